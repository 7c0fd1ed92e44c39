import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { generateToken, hashToken } from '../agent/index.js';
import { readJsonState, writeJsonAtomic } from '../config/index.js';
import { hubStateDir, runHub } from '../hub/index.js';
import { stopOnSignals } from './stopOnSignals.js';

const UpTokenSchema = z
  .object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), created_at: z.string() })
  .strict();

/** The user's fleet.yaml, if there is one: `mcp-fleet up` works with none at all. */
function defaultConfig(env: NodeJS.ProcessEnv): string | undefined {
  const file = join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'mcp-fleet', 'fleet.yaml');
  return existsSync(file) ? file : undefined;
}

function snippets(url: string, token: string | undefined): string {
  const bin = resolve(process.argv[1] ?? 'mcp-fleet');
  const desktop = JSON.stringify(
    { mcpServers: { fleet: { command: process.execPath, args: [bin, 'up', '--stdio'] } } },
    null,
    2,
  );
  const bearer = token ?? '<the token printed when it was created>';
  return [
    'Add it to Claude Code:',
    `  claude mcp add --transport http fleet ${url} --header "Authorization: Bearer ${bearer}"`,
    '',
    'Or to Claude Desktop (claude_desktop_config.json; it starts its own copy over stdio, no token needed):',
    desktop
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
    '',
  ].join('\n');
}

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('Run a hub on 127.0.0.1:7420 with this machine as device "local" (the quick start)')
    .option(
      '-c, --config <file>',
      'fleet.yaml to add more devices (default ~/.config/mcp-fleet/fleet.yaml if present)',
    )
    .option('-l, --listen <host:port>', 'address to listen on (default 127.0.0.1:7420)')
    .option('--stdio', 'serve MCP over stdin/stdout instead (what Claude Desktop starts)')
    .option('--state-dir <dir>', 'where the token hash, enrolled devices and audit live')
    .option('--new-token', 'replace the stored token with a new one (printed once)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet up                  # prints the token the first time, and the client snippets
  mcp-fleet up --new-token      # forget the old token, print a new one
  mcp-fleet up --stdio          # what a Claude Desktop entry runs

The token is stored only as a hash in the state directory; keep the printed value.`,
    )
    .action(async (opts) => {
      const env = process.env;
      const stateDir = opts.stateDir ?? hubStateDir(env);
      const tokenFile = join(stateDir, 'up-token.json');
      const config = opts.config ?? defaultConfig(env);
      let printed: string | undefined;
      const previous = opts.stdio ? undefined : await readJsonState(UpTokenSchema, tokenFile);
      let stored = previous;
      if (!opts.stdio && (!stored || opts.newToken)) {
        printed = generateToken();
        stored = { sha256: hashToken(printed), created_at: new Date().toISOString() };
      }
      const running = await runHub({
        ...(config ? { config } : {}),
        listen: opts.listen,
        stdio: opts.stdio,
        stateDir,
        logLevel: opts.logLevel ?? (opts.stdio ? 'warn' : undefined),
        localDevice: 'local',
        extraTokens: stored ? [{ name: 'owner', sha256: stored.sha256 }] : [],
      });
      // Stored only once the hub is up: a failed start must not keep a hash of a token nobody saw.
      if (stored && stored !== previous) await writeJsonAtomic(tokenFile, stored);
      if (!opts.stdio && running.url) {
        const head = printed
          ? `Token (shown once; only its hash is stored in ${tokenFile}): ${printed}`
          : `Token: the one printed on ${stored?.created_at ?? 'first start'} (mcp-fleet up --new-token for a new one)`;
        process.stdout.write(
          `\nmcp-fleet is serving this machine ("local")${config ? ` and the devices of ${config}` : ''} at ${running.url}\n\n${head}\n\n${snippets(running.url, printed)}`,
        );
      }
      stopOnSignals(running, { stdin: opts.stdio === true });
    });
}
