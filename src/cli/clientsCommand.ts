import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { sameJson } from '../clients/hubEntry.js';
import {
  type AddFleetServers,
  type ClientsContext,
  clientCatalog,
  createInstallRecords,
  DEFAULT_HUB_URL,
  DEFAULT_TOKEN_ENV,
  hubEntryName,
  importServers,
  installHubEntry,
  listClients,
  locationOf,
  parseClientId,
  parseScope,
  removeHubEntry,
  specFromFlags,
  startClientsWatch,
  syncClients,
} from '../clients/index.js';
import { formatImport, formatInstall, formatList, formatRemove, formatSync } from '../clients/report.js';
import { defaultStateDir } from '../config/index.js';
import { FleetError } from '../errors/index.js';
import { editFleetFile, fleetFilePath } from './config/index.js';
import { stopOnSignals } from './stopOnSignals.js';

/**
 * `mcp-fleet clients …` (the AI clients' own MCP configs) and `mcp-fleet servers import`.
 *
 * The stdio entry runs `<node> <absolute path of this mcp-fleet.js> up --stdio`, not a bare
 * `mcp-fleet` from PATH: GUI clients (Claude Desktop, VS Code started from a dock) do not get
 * the shell's PATH, so an nvm or npm-global `mcp-fleet` is often not found there. When Node or
 * the package moves, the entry drifts and `clients sync` (or `watch`) re-points it.
 */

function launcherScript(): string {
  const script = fileURLToPath(new URL('../bin/mcp-fleet.js', import.meta.url));
  try {
    return realpathSync(script);
  } catch {
    return script;
  }
}

/**
 * What `clients` commands work with on this machine: the user's home and environment, the
 * launcher a stdio entry runs, the install records and locks in the state directory. Exported so
 * `doctor`'s drift check sees exactly what `clients` sees.
 */
export function clientsContext(): ClientsContext {
  const stateDir = defaultStateDir(process.env);
  return {
    host: { home: homedir(), platform: process.platform, env: process.env, cwd: process.cwd() },
    launcher: { command: process.execPath, args: [launcherScript()] },
    records: createInstallRecords(join(stateDir, 'clients.json')),
    lockDir: join(stateDir, 'locks'),
  };
}

/** The fleet.yaml a stdio entry names: none when it is the one `up` reads by default. */
function stdioConfig(file: string | undefined): string | undefined {
  if (!file) return undefined;
  const chosen = resolve(file);
  const upDefault = fleetFilePath(undefined, { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME }, homedir());
  return chosen === upDefault ? undefined : chosen;
}

const entryOptions = (command: Command): Command =>
  command
    .option('--scope <scope>', 'user (default), project (the current directory) or local (Claude Code)')
    .option(
      '--transport <transport>',
      'stdio (default: the client starts its own hub) or http (a running hub)',
    )
    .option('--name <name>', 'the entry name (default fleet)')
    .option('--url <url>', `http: the hub's MCP endpoint (default ${DEFAULT_HUB_URL})`)
    .option(
      '--token-env <var>',
      `http: the variable holding the token, written by reference (default ${DEFAULT_TOKEN_ENV})`,
    )
    .option(
      '--token-literal',
      'http: write the value of --token-env itself into the file (it then holds a secret)',
    );

const print = (text: string) => process.stdout.write(text);
const printJson = (value: unknown) => print(`${JSON.stringify(value, null, 2)}\n`);

function registerClientsSubcommands(clients: Command): void {
  clients
    .command('list')
    .description(
      'The MCP clients on this machine, where their configs are, and whether the hub entry is installed',
    )
    .option('--name <name>', 'the entry name (default fleet)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      "\nExamples:\n  mcp-fleet clients list\n  mcp-fleet clients list --json | jq '.[] | select(.found)'\n",
    )
    .action(async (opts) => {
      const name = hubEntryName(opts.name);
      const result = await listClients(clientsContext(), name);
      if (opts.json) printJson(result);
      else print(formatList(result, name));
    });

  entryOptions(
    clients
      .command('install <client>')
      .description(
        "Write the hub entry into a client's MCP config (keeps everything else; backs the file up once)",
      ),
  )
    .option('--config <file>', 'stdio: the fleet.yaml the started hub reads (default: what `up` reads)')
    .addHelpText(
      'after',
      `
Clients: claude-desktop, claude-code, cursor, vscode, windsurf, codex, gemini.

Examples:
  mcp-fleet clients install claude-desktop                 # stdio: Claude Desktop starts its own hub
  mcp-fleet clients install claude-code --scope project    # .mcp.json in this directory
  mcp-fleet clients install vscode --transport http        # "Bearer \${env:MCP_FLEET_TOKEN}"
  mcp-fleet clients install codex --transport http --url http://hub.lan:7420/mcp --token-env HUB_TOKEN
  MCP_FLEET_TOKEN=… mcp-fleet clients install claude-code --transport http --token-literal

The token is written by reference where the client expands variables; --token-literal writes
it into the file (mode 0600). See docs/clients.md.`,
    )
    .action(async (client: string, opts) => {
      const ctx = clientsContext();
      const id = parseClientId(client);
      const scope = parseScope(opts.scope ?? 'user');
      const location = locationOf(clientCatalog(ctx.host), id, scope);
      const spec = specFromFlags(opts, stdioConfig(opts.config), process.env);
      const name = hubEntryName(opts.name);
      print(
        formatInstall(await installHubEntry(ctx, { client: id, scope, name, spec }), name, spec, location),
      );
    });

  clients
    .command('remove <client>')
    .description(
      "Remove the hub entry from a client's MCP config (and what install created, if nothing else was added)",
    )
    .option('--scope <scope>', 'user (default), project or local')
    .option('--name <name>', 'the entry name (default fleet)')
    .addHelpText(
      'after',
      '\nExamples:\n  mcp-fleet clients remove cursor\n  mcp-fleet clients remove claude-code --scope project\n',
    )
    .action(async (client: string, opts) => {
      const name = hubEntryName(opts.name);
      const request = { client: parseClientId(client), scope: parseScope(opts.scope ?? 'user'), name };
      print(formatRemove(await removeHubEntry(clientsContext(), request), name));
    });

  clients
    .command('sync')
    .description('Repair drift of the hub entry wherever it is installed (never adds it where it is not)')
    .option('--name <name>', 'the entry name (default fleet)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  mcp-fleet clients sync            # after moving mcp-fleet or upgrading Node\n  mcp-fleet clients sync --json\n',
    )
    .action(async (opts) => {
      const name = hubEntryName(opts.name);
      const results = await syncClients(clientsContext(), name);
      if (opts.json) printJson(results);
      else print(formatSync(results, name));
      const failed = results.filter((r) => r.action === 'failed');
      if (failed.length) {
        throw new FleetError('CONFIG_INVALID', `${failed.length} client file(s) could not be synced`, {
          files: failed.map((f) => f.file),
        });
      }
    });

  clients
    .command('watch')
    .description('Keep the hub entry in sync as client config files change (until Ctrl-C)')
    .option('--name <name>', 'the entry name (default fleet)')
    .option('--verbose', 'also report changes that needed nothing, and its own writes')
    .addHelpText('after', '\nExamples:\n  mcp-fleet clients watch\n  mcp-fleet clients watch --verbose\n')
    .action(async (opts) => {
      const name = hubEntryName(opts.name);
      const watcher = await startClientsWatch({
        ctx: clientsContext(),
        name,
        verbose: opts.verbose === true,
        log: (line) => print(`${line}\n`),
      });
      print(`watching ${watcher.files.length} client file(s) for "${name}" (Ctrl-C to stop)\n`);
      stopOnSignals(watcher);
    });
}

function registerServersImport(program: Command): void {
  const servers =
    program.commands.find((c) => c.name() === 'servers') ??
    program.command('servers').description('Third-party MCP servers behind the hub (fleet.yaml servers:)');
  entryOptions(
    servers
      .command('import <client>')
      .description(
        'Move the MCP servers a client runs itself into fleet.yaml, and put the hub entry in their place',
      ),
  )
    .option(
      '--config <file>',
      'the fleet.yaml to add them to (env MCP_FLEET_HUB_CONFIG; default ~/.config/mcp-fleet/fleet.yaml)',
    )
    .option('--include-secrets', 'copy secret-looking env values into fleet.yaml too (it then holds them)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet servers import claude-desktop
  mcp-fleet servers import cursor --scope project --config ./fleet.yaml
  mcp-fleet servers import vscode --include-secrets

A server whose env looks secret, uses \${VAR}, or sends a literal token is left in the client
(and reported) unless --include-secrets says otherwise. See docs/clients.md.`,
    )
    .action(async (client: string, opts) => {
      const fleetFile = fleetFilePath(opts.config, process.env, homedir());
      const spec = specFromFlags(
        opts,
        opts.transport === 'http' ? undefined : stdioConfig(fleetFile),
        process.env,
      );
      const addServers: AddFleetServers = async (planned) => {
        if (planned.length === 0) return { added: [], present: [], refused: [], file: fleetFile };
        const outcome = await editFleetFile(
          fleetFile,
          (editor) => {
            const done = {
              added: [] as string[],
              present: [] as string[],
              refused: [] as { from: string; reason: string }[],
            };
            for (const s of planned) {
              const current = editor.get(['servers', s.name]);
              if (current === undefined) {
                editor.set(['servers', s.name], s.server);
                done.added.push(s.name);
              } else if (sameJson(current, s.server)) done.present.push(s.name);
              else
                done.refused.push({
                  from: s.from,
                  reason: `${fleetFile} already has a different servers.${s.name}`,
                });
            }
            return done;
          },
          { initial: '' },
        );
        return { ...outcome.result, file: outcome.file };
      };
      const report = await importServers(clientsContext(), {
        client: parseClientId(client),
        scope: parseScope(opts.scope ?? 'user'),
        hubName: hubEntryName(opts.name),
        spec,
        includeSecrets: opts.includeSecrets === true,
        addServers,
      });
      if (opts.json) printJson(report);
      else print(formatImport(report));
    });
}

/** Registers `clients` and `servers import` (after `servers`, if another module registered it). */
export function registerClientsCommand(program: Command): void {
  const clients = program
    .command('clients')
    .description("The AI clients' own MCP configs: install, remove, list, sync and watch the hub entry");
  registerClientsSubcommands(clients);
  registerServersImport(program);
}
