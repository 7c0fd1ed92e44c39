import { type Command, InvalidArgumentError } from 'commander';
import { runAgent } from '../agent/index.js';
import { registerAgentJoin } from './agentJoin.js';
import { stopOnSignals } from './stopOnSignals.js';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

export function registerAgentCommand(program: Command): void {
  const agent = program
    .command('agent')
    .description("Serve this machine's tools over MCP (Streamable HTTP at /mcp, or stdio)")
    .option('-c, --config <file>', 'agent.yaml (env MCP_FLEET_CONFIG)')
    .option('-l, --listen <host:port>', 'address to listen on (env MCP_FLEET_LISTEN; default 127.0.0.1:8222)')
    .option('--stdio', 'serve MCP over stdin/stdout instead of HTTP')
    .option(
      '--token-file <file>',
      'file holding the bearer token (env MCP_FLEET_TOKEN_FILE, or MCP_FLEET_TOKEN)',
    )
    .option('--insecure', 'allow serving without any token on a non-loopback address (dangerous)')
    .option(
      '--idle-exit <seconds>',
      'exit after this long without a request (socket activation)',
      positiveNumber,
    )
    .option('--audit-log <file>', 'JSONL audit of every call (env MCP_FLEET_AUDIT_LOG)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env MCP_FLEET_LOG_LEVEL)')
    .addHelpText(
      'after',
      `
Examples:
  mcp-fleet agent                                # 127.0.0.1:8222, prints a one-time token
  MCP_FLEET_TOKEN=… mcp-fleet agent -l 0.0.0.0:8222
  mcp-fleet agent --config /etc/mcp-fleet/agent.yaml
  mcp-fleet agent --stdio                        # for an MCP client that spawns it, or over ssh
  MCP_FLEET_JOIN_TOKEN=mcpj_… mcp-fleet agent join http://hub.lan:7420   # enroll with a hub

Reload the config without a restart: edit the file, or send SIGHUP.
Under systemd socket activation (LISTEN_FDS) the passed socket is used; see deploy/systemd/.`,
    )
    .action(async (opts) => {
      const running = await runAgent({
        config: opts.config,
        listen: opts.listen,
        stdio: opts.stdio,
        tokenFile: opts.tokenFile,
        insecure: opts.insecure,
        idleExit: opts.idleExit,
        auditLog: opts.auditLog,
        logLevel: opts.logLevel,
      });
      stopOnSignals(running);
    });
  registerAgentJoin(agent);
}
