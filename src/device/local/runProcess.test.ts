import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors/index.js';
import { childEnv, runProcess } from './runProcess.js';

const limits = { timeoutMs: 10_000, maxOutputBytes: 65_536 };

describe('runProcess', () => {
  it('runs an argv without a shell', async () => {
    const r = await runProcess({ argv: ['echo', '$HOME;', '`id`'], ...limits });
    expect(r).toMatchObject({ exit_code: 0, stdout: '$HOME; `id`\n', timed_out: false, cancelled: false });
  });

  it('refuses an empty argv and reports a missing program', async () => {
    await expect(runProcess({ argv: [], ...limits })).rejects.toBeInstanceOf(FleetError);
    await expect(runProcess({ argv: ['no-such-program-xyz'], ...limits })).rejects.toMatchObject({
      code: 'EXEC_FAILED',
    });
  });

  it('returns at the timeout even when a process that left the group holds the pipes', async () => {
    // `setsid` puts the sleeper in its own session: the group kill cannot reach it, and it
    // keeps stdout open, so waiting for the pipes to close would wait for it.
    const started = Date.now();
    const r = await runProcess({ shell: 'setsid sleep 30 & echo $!', timeoutMs: 500, maxOutputBytes: 1024 });
    const pid = Number(r.stdout.trim());
    try {
      expect(r.timed_out).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      if (pid > 0) process.kill(pid, 'SIGKILL');
    }
  });

  it('never passes the agent’s own credentials to a child', () => {
    const env = childEnv(
      { PATH: '/bin', MCP_FLEET_TOKEN: 'secret', LISTEN_FDS: '1', HOME: '/root' },
      { X: '1' },
    );
    expect(env).toEqual({ PATH: '/bin', HOME: '/root', X: '1' });
  });
});
