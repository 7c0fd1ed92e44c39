import { Command, CommanderError } from 'commander';
import { isOperatorError } from '../errors/index.js';
import { packageVersion } from '../version.js';
import { registerAgentCommand } from './agentCommand.js';
import { registerClientsCommand } from './clientsCommand.js';
import { registerConfigCommand } from './configCommand.js';
import { registerDevicesCommand } from './devicesCommand.js';
import { registerDiscoverCommand } from './discoverCommand.js';
import { registerDoctorCommand } from './doctorCommand.js';
import { registerHubCommand } from './hubCommand.js';
import { registerInitCommand } from './initCommand.js';
import { registerRemoteCommands } from './remoteCommands.js';
import { registerServersCommand } from './serversCommand.js';
import { registerTokenCommand } from './tokenCommand.js';
import { registerUpCommand } from './upCommand.js';

export function buildProgram(): Command {
  const program = new Command('mcp-fleet')
    .description('One MCP endpoint for all your machines')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerUpCommand(program);
  registerInitCommand(program);
  registerHubCommand(program);
  registerAgentCommand(program);
  registerTokenCommand(program);
  registerDevicesCommand(program);
  registerRemoteCommands(program);
  registerConfigCommand(program);
  registerDoctorCommand(program);
  registerServersCommand(program);
  registerDiscoverCommand(program);
  registerClientsCommand(program); // last: adds `servers import` to a `servers` registered above
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
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const code = reportError(error);
    process.exit(code);
  }
}
