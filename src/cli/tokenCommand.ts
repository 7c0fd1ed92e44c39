import type { Command } from 'commander';
import { generateToken, hashToken } from '../agent/index.js';
import { FleetError } from '../errors/index.js';
import { createJoinTokenStore, hubStateDir, joinTokensPath, parseTtl } from '../hub/enroll/index.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface CreateOptions {
  name: string;
  json?: boolean;
  join?: boolean;
  ttl?: string;
  stateDir?: string;
}

/** A one-time join token, kept as a hash in the hub's state directory; printed once. */
async function createJoin(opts: CreateOptions): Promise<void> {
  const path = joinTokensPath(hubStateDir(process.env, opts.stateDir));
  const store = createJoinTokenStore(path);
  const { token, expires_at } = await store.create(opts.ttl === undefined ? undefined : parseTtl(opts.ttl));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ token, expires_at })}\n`);
    return;
  }
  process.stdout.write(
    `Join token (shown once, single use, expires ${expires_at}): ${token}\n\n` +
      `On the machine to enroll:\n  MCP_FLEET_JOIN_TOKEN=${token} mcp-fleet agent join <hub-url>\n`,
  );
}

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('Make bearer tokens and the hashes configs store');
  token
    .command('create')
    .description('Print a new random token and the config entry that accepts it (only the hash is stored)')
    .option('-n, --name <name>', 'name recorded in the audit log for calls with this token', 'default')
    .option(
      '--join',
      "make a one-time join token for 'mcp-fleet agent join' instead (stored hashed at the hub)",
    )
    .option(
      '--ttl <duration>',
      'how long a join token stays valid: 30m, 1h, 2d or seconds (default 1h, max 7d)',
    )
    .option('--state-dir <dir>', "the hub's state directory (env MCP_FLEET_HUB_STATE_DIR)")
    .option('--json', 'print {name, token, sha256} (with --join: {token, expires_at}) as JSON')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet token create --name laptop           # a bearer token for an agent.yaml or fleet.yaml
  mcp-fleet token create --join                  # on the hub: a join token, valid 1 h, single use
  mcp-fleet token create --join --ttl 30m --json

A join token is printed once; the hub keeps only its sha256 in <state dir>/join-tokens.json.`,
    )
    .action(async (opts: CreateOptions, command: Command) => {
      if (opts.join) {
        if (command.getOptionValueSource('name') === 'cli') {
          throw new FleetError(
            'USAGE',
            '--name names bearer tokens; a join token has none (drop --name or --join)',
          );
        }
        await createJoin(opts);
        return;
      }
      if (opts.ttl !== undefined || opts.stateDir !== undefined) {
        throw new FleetError('USAGE', '--ttl and --state-dir apply to join tokens only (add --join)');
      }
      if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(opts.name)) {
        throw new FleetError('USAGE', 'token name: letters, digits, _ . @ - (1–64 characters)');
      }
      const value = generateToken();
      const sha256 = hashToken(value);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ name: opts.name, token: value, sha256 })}\n`);
        return;
      }
      process.stdout.write(
        `Token (shown once): ${value}\n\nAdd to agent.yaml:\ntokens:\n  - name: ${opts.name}\n    sha256: "${sha256}"\n`,
      );
    });
  token
    .command('hash')
    .description('Read a token on stdin and print its sha256, for the tokens list of a config')
    .action(async () => {
      const value = (await readStdin()).trim();
      if (!value) throw new FleetError('USAGE', 'no token on stdin');
      process.stdout.write(`${hashToken(value)}\n`);
    });
}
