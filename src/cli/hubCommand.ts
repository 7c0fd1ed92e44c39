import type { Command } from 'commander';
import { runHub } from '../hub/index.js';
import { stopOnSignals } from './stopOnSignals.js';

export function registerHubCommand(program: Command): void {
  program
    .command('hub')
    .description('Serve the whole fleet behind one MCP endpoint (Streamable HTTP at /mcp, or stdio)')
    .option('-c, --config <file>', 'fleet.yaml (env MCP_FLEET_HUB_CONFIG)')
    .option(
      '-l, --listen <host:port>',
      'address to listen on (env MCP_FLEET_HUB_LISTEN; default 127.0.0.1:7420)',
    )
    .option('--stdio', 'serve MCP over stdin/stdout (for Claude Desktop and Claude Code)')
    .option('--state-dir <dir>', 'enrolled devices, join tokens, audit (env MCP_FLEET_HUB_STATE_DIR)')
    .option('--audit-log <file>', 'JSONL audit of every call (env MCP_FLEET_AUDIT_LOG)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env MCP_FLEET_LOG_LEVEL)')
    .option('--insecure', 'allow serving without any principal token on a non-loopback address (dangerous)')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet hub --config fleet.yaml                  # 127.0.0.1:7420; a one-time token if no principal has one
  MCP_FLEET_TOKEN=… mcp-fleet hub -c fleet.yaml -l 0.0.0.0:7420
  mcp-fleet hub --config fleet.yaml --stdio          # as the stdio principal (admin unless stdio_principal)

fleet.yaml is reloaded when it changes (or on SIGHUP); an invalid file is refused and the
previous inventory stays in force. See docs/hub.md.`,
    )
    .action(async (opts) => {
      const running = await runHub({
        config: opts.config,
        listen: opts.listen,
        stdio: opts.stdio,
        stateDir: opts.stateDir,
        auditLog: opts.auditLog,
        logLevel: opts.logLevel,
        insecure: opts.insecure,
      });
      if (running.generatedToken && running.url) {
        process.stdout.write(
          `\nmcp-fleet hub is serving MCP at ${running.url}\n\nToken (shown once, not stored; restart for a new one): ${running.generatedToken}\n\n` +
            `Add it to Claude Code:\n  claude mcp add --transport http fleet ${running.url} --header "Authorization: Bearer ${running.generatedToken}"\n\n`,
        );
      }
      stopOnSignals(running, { stdin: opts.stdio === true });
    });
}
