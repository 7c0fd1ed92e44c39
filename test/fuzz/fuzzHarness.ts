import type { ChildProcess } from 'node:child_process';
import fc from 'fast-check';
import { type FuzzCase, toWire } from './arbitraries.js';
import { sendWire, type WireRequest, type WireResponse } from './rawHttp.js';
import { answerProblem, expectationOf, hasInternalError } from './rpcValidator.js';

/**
 * Shared plumbing of the fuzz suites: how many cases, which seed, sending one case and judging
 * the answer, and what the server's stderr must never show.
 */

/** Cases per CI run over all fuzz files together, unless FUZZ_RUNS says otherwise. */
export const DEFAULT_TOTAL_RUNS = 6000;

/** Fuzz files sharing FUZZ_RUNS (agent and hub). */
const FILES = 2;

/** A request with no complete answer after this long is a hang. Generous: the machine is shared. */
export const REQUEST_TIMEOUT_MS = 20_000;

export interface FuzzSettings {
  /** Cases for one property. */
  runs: number;
  seed: number;
}

/**
 * FUZZ_RUNS (total over both files; default DEFAULT_TOTAL_RUNS) split evenly over files and
 * over `properties` properties in a file; FUZZ_SEED fixes the seed, else one is drawn and
 * printed, so any run can be replayed.
 */
export function fuzzSettings(properties: number, env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const total = env.FUZZ_RUNS === undefined ? DEFAULT_TOTAL_RUNS : Number(env.FUZZ_RUNS);
  if (!Number.isSafeInteger(total) || total < 1)
    throw new Error(`FUZZ_RUNS must be a positive integer, not ${env.FUZZ_RUNS}`);
  const seed = env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(env.FUZZ_SEED);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, not ${env.FUZZ_SEED}`);
  return { runs: Math.ceil(total / FILES / properties), seed };
}

/** A vitest timeout for one property: a floor plus a generous allowance per case (not a budget). */
export const testTimeoutFor = (runs: number): number => 120_000 + runs * 200;

/** Where and as whom cases are sent; read per case (the hub's session may be renewed). */
export interface Target {
  port: number;
  token: string;
  /** A second valid token (another principal on the hub). */
  otherToken: string;
  session: () => string;
  /** The server's max_body_bytes. */
  maxBodyBytes: number;
  /** Says whether the server process is gone, and why (its exit and stderr), for failure reports. */
  postMortem?: () => string | undefined;
  /** Called after each answered case (the hub renews a session a case ended). */
  afterCase?: (c: FuzzCase, wire: WireRequest, res: WireResponse) => Promise<void>;
}

/** What kind of answer a case got (`200 result`, `200 error -32602`, `401`…), to show coverage. */
function answerKind(res: WireResponse): string {
  if (res.status === 0) return 'dropped';
  const text = res.body.toString('utf8');
  const code = /"error":\{"code":(-?\d+)/.exec(text)?.[1];
  const toolError = /"isError":true/.test(text)
    ? ` tool ${/"text":"([A-Z_]+):/.exec(text)?.[1] ?? 'error'}`
    : '';
  if (res.status >= 300) return String(res.status);
  return `${res.status} ${code ? `error ${code}` : text === '' ? 'empty' : `result${toolError}`}`;
}

export interface CheckOptions {
  /**
   * A JSON-RPC Internal error (-32603) is a defect too: a handler threw. Asked of tools/call,
   * where every failure is a tool result or a typed error; not of arbitrary methods, where the
   * SDK answers invalid params of its own methods (initialize, resources/read) with -32603.
   */
  noInternalErrors?: boolean;
  /** Counts the kinds of answers, for the coverage line printed after a run. */
  tally?: Map<string, number>;
}

/** Sends one case and throws, with the request and answer, when the answer is not acceptable. */
export async function checkCase(
  target: Target,
  c: FuzzCase,
  options: CheckOptions = {},
): Promise<WireResponse> {
  const { tally } = options;
  const wire = toWire(c, {
    token: target.token,
    otherToken: target.otherToken,
    port: target.port,
    session: target.session(),
  });
  const res = await sendWire(target.port, wire, REQUEST_TIMEOUT_MS);
  const internal = options.noInternalErrors && hasInternalError(res);
  const problem =
    answerProblem(expectationOf(wire, target.maxBodyBytes), res) ??
    (internal ? 'a JSON-RPC Internal error (-32603): a handler threw' : undefined);
  if (tally) tally.set(answerKind(res), (tally.get(answerKind(res)) ?? 0) + 1);
  if (problem) {
    const shown = res.body.toString('utf8');
    const dead = target.postMortem?.();
    throw new Error(
      `${problem}\n  answer: ${res.status} ${JSON.stringify(res.headers)}\n  body: ${shown.slice(0, 500)}` +
        `${shown.length > 500 ? '…' : ''}${dead ? `\n  the server died: ${dead}` : ''}`,
    );
  }
  await target.afterCase?.(c, wire, res);
  return res;
}

/**
 * Runs `runs` cases of `arbitrary` against `target` with fast-check (shrinking on failure, so
 * the report names the seed, the path and a minimal counterexample) and returns how many ran.
 */
export async function fuzz(
  label: string,
  arbitrary: fc.Arbitrary<FuzzCase>,
  target: Target,
  settings: FuzzSettings,
  options: Pick<CheckOptions, 'noInternalErrors'> = {},
): Promise<number> {
  let count = 0;
  const tally = new Map<string, number>();
  console.info(
    `fuzz ${label}: ${settings.runs} cases, seed ${settings.seed} (FUZZ_SEED=${settings.seed} replays)`,
  );
  await fc.assert(
    fc.asyncProperty(arbitrary, async (c) => {
      count++;
      await checkCase(target, c, { ...options, tally });
    }),
    { numRuns: settings.runs, seed: settings.seed },
  );
  const kinds = [...tally].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind}: ${n}`);
  console.info(`fuzz ${label}: ${count} cases answered as ${kinds.join(', ')}`);
  return count;
}

/** A `postMortem` for a spawned server: undefined while it runs, else its exit and last stderr. */
export function postMortemOf(server: {
  child: ChildProcess;
  stderr: () => string;
}): () => string | undefined {
  return () => {
    const { exitCode, signalCode } = server.child;
    if (exitCode === null && signalCode === null) return undefined;
    return `exit ${exitCode ?? signalCode}; stderr:\n${server.stderr().slice(-4000)}`;
  };
}

/**
 * Lines of a server's stderr that show a defect: uncaught exceptions, unhandled rejections,
 * Node warnings (a listener leak shows as one), and pino lines at error or fatal level (a 500,
 * a tool defect). Ordinary warnings (refused requests) are not defects.
 */
export function stderrDefects(stderr: string): string[] {
  return stderr.split('\n').filter((line) => {
    if (/uncaught|unhandled/i.test(line)) return true;
    if (/^\(node:\d+\) \w*Warning/.test(line)) return true;
    if (/^\s+at .+:\d+:\d+\)?$/.test(line)) return true;
    return /"level":(50|60)[,}]/.test(line);
  });
}
