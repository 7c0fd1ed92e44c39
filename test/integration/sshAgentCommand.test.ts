import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/agentProcess.js';
import { type SshFleet, startSshFleet } from '../helpers/sshd.js';
import {
  fleetEntries,
  readAudit,
  realTempDir,
  removeDir,
  structuredOf,
  waitFor,
} from '../helpers/toolAssertions.js';

/** Processes whose command line contains `marker` (the remote agent runs on this machine). */
function processesWith(marker: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(marker) && !l.includes('ps -eo'));
}

describe('agent_command: the agent started over SSH for the session (real sshd)', () => {
  let fleet: SshFleet;
  const dir = realTempDir('mcpf-agentcmd-');
  // A config file of its own makes the remote agent's command line recognisable.
  const agentConfig = join(dir, 'remote-agent.yaml');
  const auditPath = join(dir, 'remote-audit.jsonl');

  beforeAll(async () => {
    writeFileSync(agentConfig, `audit: { path: ${auditPath} }\n`);
    fleet = await startSshFleet((sshd) => ({
      config: `devices:
  remote:
    ssh: ${sshd.fleetSsh()}
    agent_command: "${process.execPath} ${BIN} agent --stdio --config ${agentConfig}"
  broken:
    ssh: ${sshd.fleetSsh()}
    agent_command: "${process.execPath} ${BIN} agent --stdio --config /nonexistent/agent.yaml"
heartbeat: { interval_s: 60 }
`,
    }));
  });

  afterAll(async () => {
    await fleet?.stop();
    removeDir(dir);
  });

  it('serves the full agent tool set through MCP over the SSH channel, and audits on the device', async () => {
    const r = await fleet.client.callTool({
      name: 'fleet_exec',
      arguments: { targets: 'remote', argv: ['echo', 'over', 'stdio'] },
    });
    const e = fleetEntries(r)[0];
    expect(e?.result).toMatchObject({ stdout: 'over stdio\n', exit_code: 0 });
    const s = await fleet.client.callTool({ name: 'fleet_status', arguments: { targets: 'remote' } });
    expect(fleetEntries(s)[0]?.ok).toBe(true);
    const devices = await fleet.client.callTool({ name: 'fleet_devices', arguments: {} });
    expect(JSON.stringify(structuredOf(devices))).toContain('(agent)');
    expect(processesWith(agentConfig).length).toBeGreaterThan(0);
    // The agent on the device enforces its own policy and keeps its own audit.
    expect(readAudit(auditPath).some((l) => l.tool === 'exec' && l.outcome === 'ok')).toBe(true);
  });

  it('an agent that cannot start reports its own words', async () => {
    const r = await fleet.client.callTool({
      name: 'fleet_exec',
      arguments: { targets: 'broken', argv: ['true'] },
    });
    const e = fleetEntries(r)[0];
    expect(e?.ok).toBe(false);
    expect(e?.error?.message).toContain(
      'the agent said: mcp-fleet: config file not found: /nonexistent/agent.yaml',
    );
  });

  it('leaves nothing running on the device when the hub goes away', async () => {
    await fleet.client.close();
    await fleet.hub.stop();
    await waitFor('the remote agent to exit', () => processesWith(agentConfig).length === 0, 10_000);
  });
});
