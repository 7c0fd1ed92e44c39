import type { Command } from 'commander';
import { FleetError } from '../errors/index.js';
import { type EditOutcome, fleetFilePath } from './config/index.js';
import {
  type CliIo,
  clip,
  processIo,
  showCommand,
  table,
  withNetworkErrorsAsOperator,
} from './servers/cliOutput.js';
import { planFromRegistry, type RegistryNeed, type RegistryPlan } from './servers/fromRegistry.js';
import { unwrapSecretFiles } from './servers/secretFiles.js';
import {
  addServer,
  listServers,
  removeServer,
  type ServerEntry,
  type ServerSpec,
  setServerEnabled,
} from './servers/serverEntries.js';
import { type ServerFlags, specFromFlags, specFromPlan } from './servers/serverSpec.js';
import { createSources, type SourceOptions } from './servers/sources.js';

export interface ServersCommandDeps {
  io?: CliIo;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof globalThis.fetch;
}

type FileOptions = { config?: string; json?: boolean };
type AddOptions = FileOptions & ServerFlags & SourceOptions & { force?: boolean; fromRegistry?: string };

const collect = (value: string, previous: string[] = []) => [...previous, value];
const CONFIG_HELP = 'fleet.yaml (env MCP_FLEET_HUB_CONFIG; default ~/.config/mcp-fleet/fleet.yaml)';
const RELOAD = 'A running hub picks the change up by itself (it watches fleet.yaml).';

/** What a server runs, for people: the url, or the command (the one a secret-file wrapper starts). */
function runsOf(server: { url: string | null; command: string | null; args: readonly string[] }): string {
  if (server.url) return server.url;
  const wrapped = unwrapSecretFiles(server.command ?? '', server.args);
  if (!wrapped) return showCommand([server.command ?? '', ...server.args]);
  return `${showCommand([wrapped.command, ...wrapped.args])} (secrets from files: ${wrapped.secrets.join(', ')})`;
}

function toolsOf(entry: ServerEntry): string {
  const parts = [];
  if (entry.tools.include) parts.push(`only ${entry.tools.include.join(',')}`);
  if (entry.tools.exclude.length > 0) parts.push(`not ${entry.tools.exclude.join(',')}`);
  return parts.join('; ') || 'all';
}

function needLine(need: RegistryNeed): string {
  const what = [need.kind, need.secret ? 'secret' : '', need.required ? 'required' : 'optional'].filter(
    Boolean,
  );
  return `  ${need.name} (${what.join(', ')})${need.description ? `: ${need.description}` : ''}`;
}

function howToMeet(need: RegistryNeed, name: string): string {
  if (need.kind === 'env' && need.secret) return `--secret-file ${need.name}=PATH`;
  if (need.kind === 'env') return `--env ${need.name}=VALUE`;
  if (need.kind === 'header' && need.name.toLowerCase() === 'authorization') return '--token-env VAR';
  if (need.kind === 'header')
    return `(fleet.yaml cannot send a ${need.name} header; see the server's docs for ${name})`;
  return '--arg VALUE';
}

interface Added {
  name: string;
  spec: ServerSpec;
  outcome: EditOutcome<{ replaced: boolean }>;
  plan: RegistryPlan | null;
  unmet: RegistryNeed[];
}

function printAdded(io: CliIo, { name, spec, outcome, plan, unmet }: Added): void {
  const { file } = outcome;
  if (!outcome.changed) {
    io.out(`${file} already has exactly this ${name}\n`);
    return;
  }
  const runs = runsOf({ url: spec.url ?? null, command: spec.command ?? null, args: spec.args ?? [] });
  const lines = [
    `${outcome.result.replaced ? 'replaced' : 'added'} ${name} in ${file}${outcome.backup ? '' : ' (a new file)'}`,
  ];
  if (plan) lines.push(`  from ${plan.source === 'registry' ? 'the MCP Registry' : 'npm'}: ${plan.entry}`);
  lines.push(`  ${spec.url ? 'url' : 'runs'}: ${runs}`);
  if (plan && plan.needs.length > 0) lines.push('inputs it declares:', ...plan.needs.map(needLine));
  for (const note of plan?.notes ?? []) lines.push(`note: ${note}`);
  if (plan && unmet.length > 0) {
    const how = unmet.map((n) => howToMeet(n, name)).join(' ');
    lines.push(
      `added disabled: it needs ${unmet.map((n) => n.name).join(', ')}, to be given with`,
      `  mcp-fleet servers add ${name} --from-registry ${plan.entry} ${how} --force`,
      `or edit ${file} and run: mcp-fleet servers enable ${name} (see docs/servers.md#secrets)`,
    );
  }
  lines.push(RELOAD);
  io.out(`${lines.join('\n')}\n`);
}

async function add(
  io: CliIo,
  env: NodeJS.ProcessEnv,
  fetch: typeof globalThis.fetch | undefined,
  nameArg: string | undefined,
  trailing: string[],
  opts: AddOptions,
): Promise<void> {
  const file = fleetFilePath(opts.config, env);
  const flags: ServerFlags = { ...opts, trailing };
  let plan: RegistryPlan | null = null;
  let spec: ServerSpec;
  let unmet: RegistryNeed[] = [];
  if (opts.fromRegistry) {
    const ref = opts.fromRegistry;
    const found = await withNetworkErrorsAsOperator(() =>
      planFromRegistry(ref, createSources(opts, env, fetch)),
    );
    for (const warning of found.warnings) io.err(`mcp-fleet: ${warning}\n`);
    plan = found.plan;
    ({ spec, unmet } = specFromPlan(plan, flags));
  } else {
    if (!nameArg) throw new FleetError('USAGE', 'servers add needs a name (or --from-registry)');
    spec = specFromFlags(flags);
  }
  const name = nameArg ?? plan?.name ?? '';
  const outcome = await addServer(file, name, spec, { force: opts.force === true });
  if (!opts.json) {
    printAdded(io, { name, spec, outcome, plan, unmet });
    return;
  }
  const json = {
    added: name,
    file: outcome.file,
    changed: outcome.changed,
    replaced: outcome.result.replaced,
    enabled: spec.enabled !== false,
    spec,
    source: plan?.source ?? null,
    entry: plan?.entry ?? null,
    needs: plan?.needs ?? [],
    unmet: unmet.map((n) => n.name),
    notes: plan?.notes ?? [],
  };
  io.out(`${JSON.stringify(json)}\n`);
}

/** `mcp-fleet servers`: the third-party MCP servers in fleet.yaml, edited without losing its comments. */
export function registerServersCommand(program: Command, deps: ServersCommandDeps = {}): void {
  const io = deps.io ?? processIo;
  const env = deps.env ?? process.env;
  const servers = program
    .command('servers')
    .description("Third-party MCP servers behind the hub (fleet.yaml's servers:), and finding new ones");

  servers
    .command('list')
    .description('List the servers of fleet.yaml: name, kind, command or url, enabled, tool filter')
    .option('-c, --config <file>', CONFIG_HELP)
    .option(
      '--json',
      'print {file, servers: [{name, kind, command, args, url, enabled, tools, description}]}',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  mcp-fleet servers list\n  mcp-fleet servers list --json -c /etc/mcp-fleet/fleet.yaml',
    )
    .action(async (opts: FileOptions) => {
      const file = fleetFilePath(opts.config, env);
      const entries = await listServers(file);
      if (opts.json) {
        io.out(`${JSON.stringify({ file, servers: entries })}\n`);
        return;
      }
      if (entries.length === 0) {
        io.out(`no servers in ${file}\n`);
        return;
      }
      const rows = entries.map((e) => [
        e.name,
        e.kind,
        clip(runsOf(e), 70),
        e.enabled ? 'yes' : 'no',
        toolsOf(e),
      ]);
      io.out(`${table([['NAME', 'KIND', 'COMMAND/URL', 'ENABLED', 'TOOLS'], ...rows])}\n`);
    });

  servers
    .command('add')
    .description('Add a server to fleet.yaml (comments and formatting elsewhere are kept)')
    .argument('[name]', 'its name in fleet.yaml: letters, digits, - (tools appear as <name>__<tool>)')
    .argument('[command...]', 'after --: the command that starts a stdio server, and its arguments')
    .option('--command <command>', 'the command that starts a stdio server')
    .option('--arg <arg>', 'an argument of the command (repeat for more)', collect)
    .option('--env <NAME=VALUE>', 'an environment variable of the command (repeat; no secrets)', collect)
    .option(
      '--secret-file <NAME=PATH>',
      'set NAME from the file at PATH when the server starts (repeat)',
      collect,
    )
    .option('--cwd <dir>', 'working directory of the command')
    .option('--url <url>', 'a remote server (Streamable HTTP, or HTTP+SSE when it ends in /sse)')
    .option('--token-env <VAR>', "the hub's environment variable holding the url server's bearer token")
    .option('--token-file <file>', "a file holding the url server's bearer token")
    .option('--transport <kind>', 'streamable-http or sse, when the url does not say')
    .option('--include <tool>', 'serve only this tool (repeat)', collect)
    .option('--exclude <tool>', 'never serve this tool (repeat)', collect)
    .option('--description <text>', 'what it is for')
    .option('--disabled', 'add it with enabled: false')
    .option('--force', 'replace a server of the same name')
    .option('--from-registry <name>', 'look it up (MCP Registry name or npm package) and add it, pinned')
    .option('--registry-url <url>', 'MCP Registry to ask (env MCP_FLEET_REGISTRY_URL)')
    .option('--npm-url <url>', 'npm registry to ask (env MCP_FLEET_NPM_URL)')
    .option('--timeout <seconds>', 'per request to a registry (default 10)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'print what was added as JSON')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet servers add files -- npx -y @modelcontextprotocol/server-filesystem@2026.8.31 /srv
  mcp-fleet servers add files --command npx --arg -y --arg @modelcontextprotocol/server-filesystem@2026.8.31 --arg /srv --exclude write_file
  mcp-fleet servers add ha --url http://ha.lan:8123/mcp_server/sse --token-env HA_TOKEN
  mcp-fleet servers add notes --secret-file NOTES_API_KEY=~/.config/mcp-fleet/notes.key -- npx -y notes-mcp-server@1.2.3
  mcp-fleet servers add --from-registry io.github.example/weather --secret-file OPENWEATHER_API_KEY=/etc/mcp-fleet/owm.key

--env refuses names that look like credentials (TOKEN, KEY, SECRET, PASSWORD…): fleet.yaml is
meant to be shared. Use --secret-file, --token-env, or the server's own *_FILE setting.
--from-registry pins an npm package as npx -y <pkg>@<version>, or adds a remote as a url, and
lists the inputs the registry entry declares; one that needs a missing input is added disabled.`,
    )
    .action(async (name: string | undefined, trailing: string[], opts: AddOptions) =>
      add(io, env, deps.fetch, name, trailing, opts),
    );

  servers
    .command('remove')
    .description('Remove a server from fleet.yaml; a running hub stops it')
    .argument('<name>', 'the server')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--json', 'print {removed, file}')
    .addHelpText(
      'after',
      '\nExamples:\n  mcp-fleet servers remove files\n  mcp-fleet servers remove ha -c /etc/mcp-fleet/fleet.yaml',
    )
    .action(async (name: string, opts: FileOptions) => {
      const outcome = await removeServer(fleetFilePath(opts.config, env), name);
      if (opts.json) io.out(`${JSON.stringify({ removed: name, file: outcome.file })}\n`);
      else io.out(`removed ${name} from ${outcome.file}\n${RELOAD}\n`);
    });

  for (const enabled of [true, false]) {
    const verb = enabled ? 'enable' : 'disable';
    servers
      .command(verb)
      .description(
        enabled
          ? 'Enable a server: the hub starts it and serves its tools'
          : 'Disable a server: the hub stops it, its tools disappear',
      )
      .argument('<name>', 'the server')
      .option('-c, --config <file>', CONFIG_HELP)
      .option('--json', `print {name, enabled, changed, file}`)
      .addHelpText(
        'after',
        `\nExamples:\n  mcp-fleet servers ${verb} files\n  mcp-fleet servers ${verb} ha --json`,
      )
      .action(async (name: string, opts: FileOptions) => {
        const outcome = await setServerEnabled(fleetFilePath(opts.config, env), name, enabled);
        const changed = outcome.result.was !== enabled;
        if (opts.json) io.out(`${JSON.stringify({ name, enabled, changed, file: outcome.file })}\n`);
        else if (!changed) io.out(`${name} is already ${verb}d in ${outcome.file}\n`);
        else io.out(`${verb}d ${name} in ${outcome.file}\n${RELOAD}\n`);
      });
  }
}
