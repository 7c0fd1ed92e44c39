import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localShell } from '../../test/helpers/localShell.js';
import { isGroupAlive } from '../device/index.js';
import { type BridgePool, createBridgePool } from './bridgePool.js';
import { execOverBridge } from './remoteExec.js';

const pools: BridgePool[] = [];
function pool(max = 2): BridgePool {
  const p = createBridgePool({ open: () => localShell(), max, startTimeoutMs: 5000 });
  pools.push(p);
  return p;
}
afterEach(() => {
  for (const p of pools.splice(0)) p.close();
});

const spec = { timeoutMs: 10_000, maxOutputBytes: 65_536 };

describe('execOverBridge (local /bin/sh standing in for the SSH channel: test/helpers/localShell.ts)', () => {
  it('keeps argv words intact, stdout and stderr apart, and reports the exit code', async () => {
    const p = pool();
    const r = await execOverBridge(p, {
      ...spec,
      argv: [
        '/bin/sh',
        '-c',
        'printf "%s|" "$@"; echo oops >&2; exit 3',
        'sh',
        "it's",
        '$(id)',
        'a b',
        'x\ny',
      ],
    });
    expect(r.stdout).toBe("it's|$(id)|a b|x\ny|");
    expect(r.stderr).toBe('oops\n');
    expect(r.exit_code).toBe(3);
    expect(r.signal).toBeNull();
  });

  it('reuses one bridge for calls in sequence', async () => {
    const p = pool();
    for (let i = 0; i < 20; i++) {
      const r = await execOverBridge(p, { ...spec, argv: ['echo', String(i)] });
      expect(r.stdout).toBe(`${i}\n`);
    }
    expect(p.size()).toBe(1);
  });

  it('is binary-safe: output without a final newline and with control bytes comes back byte for byte', async () => {
    const p = pool();
    const r = await execOverBridge(p, { ...spec, argv: ['printf', 'a\\036b\\000c'] });
    expect(Buffer.from(r.stdout, 'utf8')).toEqual(Buffer.from('a\x1eb\x00c'));
  });

  it('passes cwd, env and stdin', async () => {
    const p = pool();
    const r = await execOverBridge(p, {
      ...spec,
      argv: ['/bin/sh', '-c', 'pwd; echo "$GREETING"; cat'],
      cwd: '/tmp',
      env: { GREETING: "hello 'world'" },
      stdin: 'from stdin $(id)\n',
    });
    expect(r.stdout).toBe("/tmp\nhello 'world'\nfrom stdin $(id)\n");
  });

  it('reports a missing command and a missing directory as EXEC_FAILED', async () => {
    const p = pool();
    await expect(execOverBridge(p, { ...spec, argv: ['no-such-command-xyz'] })).rejects.toMatchObject({
      code: 'EXEC_FAILED',
      message: 'command not found: no-such-command-xyz',
    });
    await expect(execOverBridge(p, { ...spec, argv: ['ls'], cwd: '/nonexistent/dir' })).rejects.toMatchObject(
      {
        code: 'EXEC_FAILED',
      },
    );
    // The bridge is still usable after both.
    expect((await execOverBridge(p, { ...spec, argv: ['echo', 'ok'] })).stdout).toBe('ok\n');
  });

  it('caps output head and tail', async () => {
    const p = pool();
    const r = await execOverBridge(p, {
      ...spec,
      maxOutputBytes: 100,
      argv: ['/bin/sh', '-c', 'seq 1 100000'],
    });
    expect(r.truncated).toBe(true);
    expect(r.stdout.startsWith('1\n2\n')).toBe(true);
    expect(r.stdout.endsWith('99999\n100000\n')).toBe(true);
  });

  it('a timeout kills the whole process group, children included, and the bridge serves again', async () => {
    const p = pool();
    const r = await execOverBridge(p, {
      ...spec,
      timeoutMs: 300,
      argv: ['/bin/sh', '-c', 'sleep 30 & sleep 30 & echo $$; wait'],
    });
    expect(r.timed_out).toBe(true);
    expect(r.exit_code).toBeNull();
    expect(r.signal).toBe('SIGTERM');
    const pgid = Number.parseInt(r.stdout, 10);
    expect(pgid).toBeGreaterThan(1);
    expect(await isGroupAlive(pgid)).toBe(false);
    expect((await execOverBridge(p, { ...spec, argv: ['echo', 'again'] })).stdout).toBe('again\n');
  });

  it('cancellation kills the group and reports cancelled', async () => {
    const p = pool();
    const controller = new AbortController();
    let pgid = 0;
    const running = execOverBridge(
      p,
      { ...spec, argv: ['/bin/sh', '-c', 'echo $$; exec sleep 30'] },
      {
        signal: controller.signal,
        onOutput: (stream, text) => {
          if (stream !== 'stdout' || pgid !== 0) return;
          pgid = Number.parseInt(text, 10);
          controller.abort();
        },
      },
    );
    const r = await running;
    expect(r.cancelled).toBe(true);
    expect(pgid).toBeGreaterThan(0);
    expect(await isGroupAlive(pgid)).toBe(false);
  });

  it('kills what a command left running in its group when it exits', async () => {
    const p = pool();
    const r = await execOverBridge(p, {
      ...spec,
      argv: ['/bin/sh', '-c', 'sleep 30 >/dev/null 2>&1 & echo $$'],
    });
    const pgid = Number.parseInt(r.stdout, 10);
    expect(await isGroupAlive(pgid)).toBe(false);
  });

  it('runs calls concurrently on separate bridges up to the limit', async () => {
    const p = pool(3);
    const runs = Array.from({ length: 6 }, (_, i) =>
      execOverBridge(p, { ...spec, argv: ['/bin/sh', '-c', `sleep 0.2; echo ${i}`] }),
    );
    const results = await Promise.all(runs);
    expect(results.map((r) => r.stdout)).toEqual(['0\n', '1\n', '2\n', '3\n', '4\n', '5\n']);
    expect(p.size()).toBe(3);
  });

  it('a killed call leaves no timer behind that could close the bridge under a later call', async () => {
    const p = pool(1);
    const killed = await execOverBridge(
      p,
      { ...spec, timeoutMs: 200, argv: ['sleep', '30'] },
      {},
      { settleMs: 300 },
    );
    expect(killed.timed_out).toBe(true);
    const later = await execOverBridge(p, { ...spec, argv: ['/bin/sh', '-c', 'sleep 0.8; echo still'] });
    expect(later.stdout).toBe('still\n');
  });

  it('a cancellation that arrives while the channel is being opened runs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpf-cancel-'));
    const marker = join(dir, 'ran');
    const controller = new AbortController();
    const slow = createBridgePool({
      open: async () => {
        controller.abort();
        return localShell();
      },
      max: 1,
      startTimeoutMs: 5000,
    });
    pools.push(slow);
    const r = await execOverBridge(slow, { ...spec, argv: ['touch', marker] }, { signal: controller.signal });
    expect(r.cancelled).toBe(true);
    expect(existsSync(marker)).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a command killed by a signal reports the signal, as the agent does', async () => {
    const r = await execOverBridge(pool(), { ...spec, argv: ['/bin/sh', '-c', 'kill -KILL $$'] });
    expect(r).toMatchObject({ exit_code: null, signal: 'SIGKILL', timed_out: false });
  });

  it('an environment variable name a shell cannot set is a clear INVALID_ARGUMENT', async () => {
    await expect(
      execOverBridge(pool(), { ...spec, argv: ['true'], env: { 'FOO-BAR': '1' } }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
