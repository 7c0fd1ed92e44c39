import type { Command } from 'commander';
import { generateToken, hashToken } from '../agent/auth.js';
import { FleetError } from '../errors/index.js';
import { createJoinTokenStore, joinTokensPath, parseTtl } from '../hub/enroll/index.js';
import { readFleetConfig } from '../hub/inventory/index.js';
import { defaultCliConfigDeps, editFleetFile, resolveCliConfig } from './config/index.js';
import { renderTable } from './remote/table.js';

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
  // The state directory as every CLI command resolves it (flag, MCP_FLEET_HUB_STATE_DIR, CLI config).
  const flags = opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {};
  const stateDir = (await resolveCliConfig(flags, defaultCliConfigDeps())).stateDir.value;
  const path = joinTokensPath(stateDir);
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

interface FleetFileOptions {
  config?: string;
  json?: boolean;
}

async function fleetFile(opts: FleetFileOptions): Promise<string> {
  const flags = opts.config !== undefined ? { fleet: opts.config } : {};
  return (await resolveCliConfig(flags, defaultCliConfigDeps())).fleet.value;
}

/** The principals of fleet.yaml: name, role, targets, rate; whether a token is set, never its hash. */
async function listPrincipals(opts: FleetFileOptions): Promise<void> {
  const file = await fleetFile(opts);
  const config = await readFleetConfig(file);
  const rows = Object.entries(config.principals)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, p]) => ({
      name,
      role: p.role,
      targets: Array.isArray(p.targets) ? p.targets.join(',') : p.targets,
      rate_per_minute: p.rate_per_minute,
      servers: p.servers ?? null,
      has_token: p.token_sha256 !== undefined,
      stdio: config.stdio_principal === name,
    }));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ file, principals: rows })}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write(`no principals in ${file}\n`);
    return;
  }
  const table = renderTable(
    ['NAME', 'ROLE', 'TARGETS', 'RATE/MIN', 'TOKEN'],
    rows.map((r) => [
      r.name,
      r.role,
      r.targets,
      String(r.rate_per_minute),
      r.has_token ? 'set' : r.stdio ? 'stdio' : '-',
    ]),
  );
  process.stdout.write(`${table}\n`);
}

/** Removes a principal from fleet.yaml; the hub's reload stops accepting its token. */
async function revokePrincipal(name: string, opts: FleetFileOptions): Promise<void> {
  const file = await fleetFile(opts);
  await editFleetFile(file, (editor, current) => {
    if (!current.principals[name]) {
      const known = Object.keys(current.principals).join(', ') || 'none';
      throw new FleetError('USAGE', `no principal named ${name} in ${file} (there: ${known})`);
    }
    if (current.stdio_principal === name) {
      throw new FleetError(
        'USAGE',
        `${name} is the stdio_principal of ${file}; change stdio_principal first`,
      );
    }
    editor.delete(['principals', name]);
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ revoked: name, file })}\n`);
    return;
  }
  process.stdout.write(
    `revoked ${name}: removed from ${file}; a running hub stops accepting its token when it reloads the file\n`,
  );
}

const FLEET_OPTION_HELP = 'fleet.yaml (env MCP_FLEET_HUB_CONFIG; default ~/.config/mcp-fleet/fleet.yaml)';

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
  token
    .command('list')
    .description('The principals of fleet.yaml: who may call the hub, with role and targets (never hashes)')
    .option('-c, --config <file>', FLEET_OPTION_HELP)
    .option(
      '--json',
      'print {file, principals: [{name, role, targets, rate_per_minute, servers, has_token}]}',
    )
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet token list
  mcp-fleet token list -c /etc/mcp-fleet/fleet.yaml --json

Built-in principals (MCP_FLEET_TOKEN's "token", up's "owner") are not in fleet.yaml and not listed.`,
    )
    .action(listPrincipals);
  token
    .command('revoke')
    .description('Remove a principal from fleet.yaml: the running hub stops accepting its token on reload')
    .argument('<principal>', 'the principal name (see token list)')
    .option('-c, --config <file>', FLEET_OPTION_HELP)
    .option('--json', 'print {revoked, file} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet token revoke laptop
  mcp-fleet token revoke ci -c /etc/mcp-fleet/fleet.yaml

The edit keeps the file's comments; the hub watches the file and reloads it.`,
    )
    .action(revokePrincipal);
}
