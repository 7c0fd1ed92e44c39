import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { BenchContext } from './agentBench.js';
import type { BenchSshd } from './sshd.js';

/** The peer's tool for an arbitrary command (v2; v1 called it `exec`). */
export const SSH_MCP_TOOL = 'run-command';

export interface SshMcpPeer {
  client: Client;
  /** The ssh-mcp server process (for CPU figures). */
  pid: number;
  /** The installed version, for the report. */
  version: string;
  close(): Promise<void>;
}

function installedVersion(packageJson: string): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string }).version ?? '?';
}

/**
 * ssh-mcp (npm, a devDependency) as an MCP client would run it: its bin over stdio, spawned by
 * the SDK's StdioClientTransport, with a config file naming one profile on the bench's sshd.
 * The profile is as permissive as ssh-mcp allows (`admin` on a `dev` host, approval `auto`) so
 * no call waits for an approval, and the host key is pinned as our device pins it.
 *
 * HOME and the XDG directories point into the scratch dir: ssh-mcp writes its audit log under
 * XDG_DATA_HOME, and the bench must not write into the real home. SSH_AUTH_SOCK is not passed,
 * so the key file is the only credential. Pinned to the legacy protocol era, the only one the
 * server (SDK v1) speaks, so the client does not probe. `noDelay` preloads bench/noDelayPreload
 * (TCP_NODELAY on ssh-mcp's SSH socket) to show how much of its latency Nagle's algorithm is.
 */
export async function startSshMcp(
  ctx: BenchContext,
  sshd: BenchSshd,
  options: { noDelay?: boolean } = {},
): Promise<SshMcpPeer> {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('ssh-mcp/package.json');
  const bin = join(dirname(packageJson), 'build/index.js');
  const home = join(ctx.tmp, options.noDelay ? 'ssh-mcp-nodelay' : 'ssh-mcp');
  const configDir = join(home, 'config');
  // ssh-mcp refuses to start unless only its owner can read the config and its directory.
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
  chmodSync(configDir, 0o700);
  const configFile = join(configDir, 'config.toml');
  const q = JSON.stringify; // TOML basic strings accept JSON string escapes for these paths.
  writeFileSync(
    configFile,
    [
      '[defaults]',
      'defaultProfile = "bench"',
      'approvalMode = "auto"',
      '',
      '[[profiles]]',
      'name = "bench"',
      `host = "127.0.0.1"`,
      `port = ${sshd.port}`,
      `user = ${q(sshd.user)}`,
      'auth = "key"',
      `keyRef = ${q(sshd.identityFile)}`,
      `trustedHostKey = ${q(sshd.hostFingerprint)}`,
      'group = "dev"',
      'role = "admin"',
      'approvalPolicy = "auto"',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  chmodSync(configFile, 0o600);
  const stderrFd = openSync(join(home, 'stderr.log'), 'a');
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, `--config=${configFile}`],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      XDG_CONFIG_HOME: join(home, 'xdg-config'),
      XDG_DATA_HOME: join(home, 'xdg-data'),
      ...(options.noDelay
        ? { NODE_OPTIONS: `--import ${pathToFileURL(join(import.meta.dirname, 'noDelayPreload.js')).href}` }
        : {}),
    },
    stderr: stderrFd,
  });
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
  try {
    await client.connect(transport);
  } finally {
    closeSync(stderrFd); // the child has its own copy once spawned
  }
  return {
    client,
    pid: transport.pid ?? 0,
    version: installedVersion(packageJson),
    close: () => client.close(),
  };
}
