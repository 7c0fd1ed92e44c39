import { Command, CommanderError } from 'commander';
import { isOperatorError } from '../errors/index.js';
import { packageVersion } from '../version.js';

type Register = (program: Command) => void;

/**
 * The command groups, in help order, each loaded only when needed: a command module pulls in
 * its whole stack (the SDK, the hub, ssh2, the client editors), about 0.3 s each, and loading
 * every one on every start made even `mcp-fleet agent` (a socket-activated cold start) pay
 * for all of them.
 */
const GROUPS: ReadonlyArray<{ names: readonly string[]; load: () => Promise<Register> }> = [
  { names: ['up'], load: async () => (await import('./upCommand.js')).registerUpCommand },
  { names: ['init'], load: async () => (await import('./initCommand.js')).registerInitCommand },
  { names: ['hub'], load: async () => (await import('./hubCommand.js')).registerHubCommand },
  { names: ['agent'], load: async () => (await import('./agentCommand.js')).registerAgentCommand },
  { names: ['token'], load: async () => (await import('./tokenCommand.js')).registerTokenCommand },
  { names: ['devices'], load: async () => (await import('./devicesCommand.js')).registerDevicesCommand },
  {
    names: ['status', 'exec', 'read', 'write', 'logs', 'service', 'call'],
    load: async () => (await import('./remoteCommands.js')).registerRemoteCommands,
  },
  { names: ['config'], load: async () => (await import('./configCommand.js')).registerConfigCommand },
  { names: ['doctor'], load: async () => (await import('./doctorCommand.js')).registerDoctorCommand },
  { names: ['audit'], load: async () => (await import('./auditCommand.js')).registerAuditCommand },
  { names: ['servers'], load: async () => (await import('./serversCommand.js')).registerServersCommand },
  { names: ['discover'], load: async () => (await import('./discoverCommand.js')).registerDiscoverCommand },
  // Last: it also adds `servers import` to the `servers` command registered above.
  {
    names: ['clients', 'servers'],
    load: async () => (await import('./clientsCommand.js')).registerClientsCommand,
  },
];

/**
 * The program with the command groups that `command` needs (the first word after
 * `mcp-fleet`): none for `--version`, all of them when it names none (help, a typo: commander
 * then lists every command).
 */
export async function buildProgram(command?: string): Promise<Command> {
  const program = new Command('mcp-fleet')
    .description('One MCP endpoint for all your machines')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // The version needs no command at all.
  if (command === '-V' || command === '--version') return program;
  const wanted = GROUPS.filter((g) => command !== undefined && g.names.includes(command));
  for (const group of wanted.length > 0 ? wanted : GROUPS) (await group.load())(program);
  return program;
}

/**
 * Reports an error at the CLI edge and returns the exit code: operator errors (bad flag,
 * bad config, refused listen, an unreachable hub or registry: see isOperatorError) are one clean
 * line and exit 2; anything else is a defect and prints its stack with exit 1.
 */
export function reportError(
  error: unknown,
  write: (text: string) => void = (t) => process.stderr.write(t),
): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander already printed
  if (isOperatorError(error)) {
    write(`mcp-fleet: ${error.message}\n`);
    return 2;
  }
  write(
    `mcp-fleet: internal error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
}

/**
 * Makes a reader that goes away early (`mcp-fleet status | head -1`) end the command quietly
 * with exit 0, as a C tool killed by SIGPIPE would, instead of an unhandled EPIPE and a stack.
 * Any other stream error is still thrown: it is a defect.
 */
export function exitOnBrokenPipe(
  streams: readonly NodeJS.EventEmitter[] = [process.stdout, process.stderr],
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // Hazard: `up --stdio` and `agent --stdio` speak MCP on stdout, and the SDK's transport
      // listens for its errors to close the server gracefully (audit flushed, downstream
      // servers stopped); exiting here first would cut that short. Whoever else listens decides.
      if (stream.listenerCount('error') > 1) return;
      if (error.code !== 'EPIPE') throw error;
      exit(0);
    });
  }
}

export async function main(argv: string[] = process.argv): Promise<void> {
  exitOnBrokenPipe();
  try {
    await (await buildProgram(argv[2])).parseAsync(argv);
  } catch (error) {
    const code = reportError(error);
    process.exit(code);
  }
}
