import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConformanceCheck } from './expectedFailures.js';

/**
 * The Node the conformance CLI runs under, from the npm registry. The CLI needs Node ≥ 22 (it
 * imports `fs.globSync`, so under Node 20 it dies at load), while mcp-fleet itself supports
 * Node 20: npx puts this package's `node` first on the CLI's PATH.
 */
export const NODE_SPEC = 'node@22';

export interface SuiteSpec {
  /** The pinned package (exact version: a new release may add scenarios or change checks). */
  pkg: string;
  /** What `conformance server` is told to run besides --url and -o. */
  args: string[];
  /** Scenarios that must be among those run (the issue's minimum). */
  required: string[];
}

/**
 * The suites CI runs. `stable` is the latest release (npm `latest`), every server scenario it
 * has. `modern` is the first prerelease with 2026-07-28 scenarios, run as that revision's
 * requirement set (the CLI speaks the 2026-07-28 wire for them).
 */
export const SUITES = {
  stable: {
    pkg: '@modelcontextprotocol/conformance@0.1.16',
    args: ['--suite', 'all'],
    required: ['server-initialize', 'ping', 'tools-list', 'json-schema-2020-12', 'dns-rebinding-protection'],
  },
  modern: {
    pkg: '@modelcontextprotocol/conformance@0.2.0-alpha.12',
    args: ['--requirements', '2026-07-28'],
    required: ['server-stateless', 'http-header-validation', 'tools-list', 'dns-rebinding-protection'],
  },
} as const satisfies Record<string, SuiteSpec>;

export type SuiteName = keyof typeof SUITES;

/**
 * The npx arguments that run `command` (the CLI is `conformance`) with Node 22 and `pkg`
 * installed and first on PATH. Cached copies are used first, so a run needs the network only
 * the first time.
 */
export function npxArgs(pkg: string, command: readonly string[]): string[] {
  return ['--prefer-offline', '--yes', '-p', NODE_SPEC, '-p', pkg, ...command];
}

export interface ConformanceRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** How many scenarios the CLI said it would run ("Running … (N scenarios)"). */
  announced: number | undefined;
  /** The checks of every scenario that wrote results, by scenario name. */
  results: Map<string, ConformanceCheck[]>;
}

/**
 * Runs `conformance server` against `url` and reads what it wrote to `dir`. A CLI that cannot
 * be fetched or started is an error, never an empty result. `baseline` (scenario names) is
 * handed to the CLI as its own --expected-failures file, so its exit code is its verdict too.
 */
export async function runConformance(options: {
  suite: SuiteSpec;
  url: string;
  dir: string;
  baseline?: readonly string[];
  timeoutMs: number;
}): Promise<ConformanceRun> {
  const out = join(options.dir, 'results');
  const cliArgs = ['server', '--url', options.url, ...options.suite.args, '-o', out];
  if (options.baseline) {
    const file = join(options.dir, 'baseline.yml');
    writeFileSync(file, `server:\n${options.baseline.map((s) => `  - ${s}\n`).join('')}`);
    cliArgs.push('--expected-failures', file);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  // The test runner's own Node options (loaders, inspector) must not reach Node 22.
  delete env.NODE_OPTIONS;
  const { code, stdout, stderr } = await run('npx', npxArgs(options.suite.pkg, ['conformance', ...cliArgs]), {
    cwd: options.dir,
    env,
    timeoutMs: options.timeoutMs,
  });
  const announced = /Running .*\((\d+) scenarios\)/.exec(stdout)?.[1];
  return {
    code,
    stdout,
    stderr,
    announced: announced === undefined ? undefined : Number(announced),
    results: readResults(out),
  };
}

/** `<dir>/server-<scenario>-<timestamp>/checks.json` → checks by scenario. */
export function readResults(dir: string): Map<string, ConformanceCheck[]> {
  const results = new Map<string, ConformanceCheck[]>();
  if (!existsSync(dir)) return results;
  for (const entry of readdirSync(dir)) {
    const scenario = entry.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    const file = join(dir, entry, 'checks.json');
    if (!existsSync(file)) continue;
    results.set(scenario, JSON.parse(readFileSync(file, 'utf8')) as ConformanceCheck[]);
  }
  return results;
}

/** Runs a command to its exit, killed after `timeoutMs` (then it rejects with what it printed). */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Its own process group, so a timeout ends npx and the CLI it started together.
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} ran over ${options.timeoutMs} ms:\n${stdout}\n${stderr}`),
      );
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${command}: ${error.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
