import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import type { Command } from 'commander';
import { z } from 'zod';
import { hashToken } from '../agent/auth.js';
import {
  agentStateDir,
  DEFAULT_LISTEN,
  joinedTokensPath,
  parseListen,
  readJoinedTokens,
} from '../agent/settings.js';
import { AgentConfigSchema, loadYamlConfig, withFileLock, writeJsonAtomic } from '../config/index.js';
import { FleetError } from '../errors/index.js';
import { EnrollTagName, EnrollUrl } from '../hub/enroll/index.js';
import { DeviceName } from '../hub/inventory/schema.js';

export interface JoinOptions {
  hubUrl: string;
  token?: string;
  name?: string;
  advertise?: string;
  tags?: string;
  config?: string;
  listen?: string;
  stateDir?: string;
}

export interface JoinDeps {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  hostname?: () => string;
  /** The one result line (stdout). */
  print?: (line: string) => void;
  /** Advice that is not the result (stderr). */
  warn?: (line: string) => void;
  timeoutMs?: number;
}

export interface JoinResult {
  name: string;
  hub: string;
  tokenName: string;
  tokensPath: string;
}

/** The host name made into a device name: other characters become `-`, at most 63. */
export function deviceNameFromHost(host: string): string {
  const name = host
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/_{2,}/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 63);
  return name || 'device';
}

const HubAnswer = z.object({ error: z.string().optional(), problems: z.array(z.unknown()).optional() });
// Not strict: a newer hub may add fields, and an older agent must still be able to join it.
const Enrolled = z.object({ device: z.string().min(1), credential: z.string().min(1) });

function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'invalid';
}

/** Resolves the hub URL (`http://hub:7420` or `…/mcp`) to its `/enroll` endpoint. */
export function enrollEndpoint(hubUrl: string): URL {
  let url: URL;
  try {
    url = new URL(hubUrl);
  } catch {
    throw new FleetError('USAGE', `invalid hub URL ${hubUrl} (want http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FleetError('USAGE', `hub URL must be http:// or https://, not ${hubUrl}`);
  }
  return new URL('/enroll', url.origin);
}

async function defaultAdvertise(
  options: JoinOptions,
  env: NodeJS.ProcessEnv,
  host: string,
  warn: (l: string) => void,
) {
  const configPath = options.config ?? env.MCP_FLEET_CONFIG;
  const config = configPath ? await loadYamlConfig(AgentConfigSchema, configPath) : undefined;
  const listen = parseListen(options.listen ?? env.MCP_FLEET_LISTEN ?? config?.listen ?? DEFAULT_LISTEN);
  if (/^(127\.|::1$|localhost$)/.test(listen.host)) {
    warn(
      `mcp-fleet: note: the agent listens on ${listen.host}, which other machines cannot reach; ` +
        'listen on another address, or pass --advertise if the hub runs on this machine',
    );
  }
  return `http://${host}:${listen.port}/mcp`;
}

async function postEnroll(
  endpoint: URL,
  body: unknown,
  deps: Required<Pick<JoinDeps, 'fetch' | 'timeoutMs'>>,
) {
  const hub = endpoint.origin;
  let response: Response;
  try {
    response = await deps.fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      // A redirect would resend the join token somewhere the operator did not name.
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
  } catch (error) {
    const { name, message, cause } = error as Error & { cause?: { code?: string; message?: string } };
    const why =
      name === 'TimeoutError'
        ? `no answer within ${deps.timeoutMs / 1000} s`
        : (cause?.code ?? cause?.message ?? message);
    throw new FleetError('USAGE', `cannot reach the hub at ${hub}: ${why}`, { hub });
  }
  const text = await response.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.status === 201) {
    const ok = Enrolled.safeParse(json);
    if (!ok.success)
      throw new FleetError('USAGE', `the hub at ${hub} answered 201 without a credential`, { hub });
    return ok.data;
  }
  const answer = HubAnswer.safeParse(json);
  const said = answer.success ? answer.data.error : undefined;
  if (response.status === 401) {
    throw new FleetError(
      'UNAUTHORIZED',
      `the hub at ${hub} refused the join token (invalid, expired or already used); ` +
        'make a new one on the hub with: mcp-fleet token create --join',
      { hub },
    );
  }
  if (response.status === 400 && answer.success) {
    const problems = (answer.data.problems ?? []).map((p) => {
      const { field, message } = (p ?? {}) as { field?: string; message?: string };
      return field ? `${field}: ${message}` : String(message);
    });
    throw new FleetError('USAGE', `the hub at ${hub} refused the request: ${problems.join('; ') || said}`, {
      hub,
    });
  }
  if (response.status === 404) {
    throw new FleetError('USAGE', `${hub} has no /enroll endpoint: is it an mcp-fleet hub?`, { hub });
  }
  throw new FleetError(
    'USAGE',
    `the hub at ${hub} refused to enroll this machine: HTTP ${response.status}${said ? `: ${said}` : ''}`,
    { hub, status: response.status },
  );
}

/**
 * Registers this machine with a hub and makes the agent accept the credential the hub got:
 * only its sha256 is written, to `<state dir>/tokens.json`, so the credential exists in
 * one place (the hub's enrolled.json) and `devices remove` there revokes it for good.
 */
export async function runAgentJoin(options: JoinOptions, deps: JoinDeps = {}): Promise<JoinResult> {
  const env = deps.env ?? process.env;
  const host = (deps.hostname ?? osHostname)();
  const warn = deps.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const print = deps.print ?? ((line: string) => process.stdout.write(`${line}\n`));

  const joinToken = (options.token ?? env.MCP_FLEET_JOIN_TOKEN ?? '').trim();
  if (!joinToken) {
    throw new FleetError('USAGE', 'no join token: set MCP_FLEET_JOIN_TOKEN (or pass --token)');
  }
  const endpoint = enrollEndpoint(options.hubUrl);
  const name = DeviceName.safeParse(options.name ?? deviceNameFromHost(host));
  if (!name.success) throw new FleetError('USAGE', `--name ${options.name}: ${firstIssue(name.error)}`);
  const tags = (options.tags ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const tag of tags) {
    const checked = EnrollTagName.safeParse(tag);
    if (!checked.success) throw new FleetError('USAGE', `--tags ${tag}: ${firstIssue(checked.error)}`);
  }
  const url = options.advertise ?? (await defaultAdvertise(options, env, host, warn));
  const advertised = EnrollUrl.safeParse(url);
  if (!advertised.success)
    throw new FleetError('USAGE', `advertise URL ${url}: ${firstIssue(advertised.error)}`);

  // Check the state dir before asking the hub: failing after enrolling would strand a credential.
  const stateDir = agentStateDir({ stateDir: options.stateDir }, env);
  const tokensPath = joinedTokensPath(stateDir);
  await readJoinedTokens(tokensPath);
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await access(stateDir, constants.W_OK);
  } catch (error) {
    throw new FleetError(
      'USAGE',
      `cannot write the agent's state directory ${stateDir}: ${(error as Error).message}`,
    );
  }

  const enrolled = await postEnroll(
    endpoint,
    { join_token: joinToken, name: name.data, url, tags },
    { fetch: deps.fetch ?? fetch, timeoutMs: deps.timeoutMs ?? 15_000 },
  );
  const tokenName = `hub-${endpoint.hostname.replace(/[^A-Za-z0-9_.@-]/g, '-')}`.slice(0, 64);
  try {
    await withFileLock(tokensPath, async () => {
      const others = (await readJoinedTokens(tokensPath)).filter((t) => t.name !== tokenName);
      await writeJsonAtomic(tokensPath, {
        tokens: [...others, { name: tokenName, sha256: hashToken(enrolled.credential) }],
      });
    });
  } catch (error) {
    throw new FleetError(
      'USAGE',
      `enrolled as ${enrolled.device} but could not store the credential's hash: ${(error as Error).message}; ` +
        `on the hub run "mcp-fleet devices remove ${enrolled.device}", then join again`,
    );
  }
  print(
    `enrolled as ${enrolled.device} with ${endpoint.origin}; the agent accepts the hub's credential ` +
      '(restart or SIGHUP a running agent)',
  );
  return { name: enrolled.device, hub: endpoint.origin, tokenName, tokensPath };
}

/** Adds `join` under the `agent` command. */
export function registerAgentJoin(agent: Command): void {
  agent
    .command('join')
    .description('Enroll this machine with a hub, and let the agent accept the credential the hub gets')
    .argument('<hub-url>', 'the hub, as http://host:7420 (a /mcp path is ignored)')
    .option(
      '--token <join-token>',
      'join token from the hub (prefer env MCP_FLEET_JOIN_TOKEN: argv shows in ps)',
    )
    .option('--name <name>', 'device name at the hub (default: this host name)')
    .option(
      '--advertise <url>',
      'where the hub reaches this agent (default: http://<hostname>:<listen port>/mcp)',
    )
    .option('--tags <a,b>', 'tags for target expressions at the hub (tag:a)')
    .option('-c, --config <file>', 'agent.yaml, for the listen port (env MCP_FLEET_CONFIG)')
    .option(
      '--state-dir <dir>',
      "the agent's state directory, where tokens.json goes (env MCP_FLEET_STATE_DIR)",
    )
    .addHelpText(
      'after',
      `
The join token is single use and expires (make one on the hub: mcp-fleet token create --join).
Pass it in MCP_FLEET_JOIN_TOKEN rather than --token: command lines are visible to every user in ps.

Examples:
  MCP_FLEET_JOIN_TOKEN=mcpj_… mcp-fleet agent join http://hub.lan:7420
  MCP_FLEET_JOIN_TOKEN=mcpj_… mcp-fleet agent join http://hub.lan:7420 --name pi-3 --tags lab,pis \\
    --advertise http://pi-3.lan:8222/mcp
  # the systemd unit (deploy/systemd) keeps its state in /var/lib/mcp-fleet:
  sudo MCP_FLEET_JOIN_TOKEN=mcpj_… mcp-fleet agent join http://hub.lan:7420 \\
    --config /etc/mcp-fleet/agent.yaml --state-dir /var/lib/mcp-fleet
  sudo systemctl reload mcp-fleet-agent        # or: kill -HUP <agent pid>

Only the sha256 of the hub's credential is stored, in <state dir>/tokens.json; the agent must
run with the same state directory (MCP_FLEET_STATE_DIR) to accept it.`,
    )
    .action(async (hubUrl: string, _opts: unknown, command: Command) => {
      // The parent `agent` command parses options it also knows (--config, --listen) before
      // this one sees them, so read them merged with the parent's.
      const opts = command.optsWithGlobals() as Omit<JoinOptions, 'hubUrl'>;
      await runAgentJoin({ ...opts, hubUrl });
    });
}
