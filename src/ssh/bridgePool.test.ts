import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { localShell } from '../../test/helpers/localShell.js';
import { FleetError } from '../errors/index.js';
import type { Bridge, ShellStream } from './bridge.js';
import { type BridgePool, createBridgePool } from './bridgePool.js';

/**
 * A pool whose channels are local `/bin/sh` children standing in for the shells an SSH channel
 * would start (test/helpers/localShell.ts); it records every shell it opened so a test can count
 * opens and end a shell from the far side.
 */
interface StandIn {
  pool: BridgePool;
  shells: ChildProcess[];
}

const standIns: StandIn[] = [];
afterEach(() => {
  for (const { pool, shells } of standIns.splice(0)) {
    pool.close();
    for (const shell of shells)
      if (shell.exitCode === null && shell.signalCode === null) shell.kill('SIGKILL');
  }
});

function standIn(max: number, open?: () => Promise<ShellStream>): StandIn {
  const shells: ChildProcess[] = [];
  const made = {
    pool: createBridgePool({
      open: open ?? (() => localShell((c) => shells.push(c))),
      max,
      startTimeoutMs: 10_000,
    }),
    shells,
  };
  standIns.push(made);
  return made;
}

/**
 * Bounds a wait that must end: a pool bug would otherwise leave the test hanging until the
 * runner's own timeout, with no word of what it was waiting for.
 */
async function settle<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still waiting for ${what}`)), 15_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise whose outcome can be looked at without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown; promise: Promise<T> } = {
    settled: false,
    promise,
  };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

/** Lets pending callbacks (a release's hand-over, an abort) run before looking. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Ends a shell from the far side, as a dropped connection would, and waits until it is gone. */
async function endShell(shell: ChildProcess | undefined): Promise<void> {
  expect(shell).toBeDefined();
  const closed = once(shell as ChildProcess, 'close');
  (shell as ChildProcess).kill('SIGKILL');
  await settle(closed, 'the shell to close');
}

describe('createBridgePool (local /bin/sh stand-in for the SSH channel)', () => {
  it('reuses an idle bridge instead of opening another', async () => {
    const { pool, shells } = standIn(4);
    const first = await settle(pool.acquire(), 'the first bridge');
    first.release();
    first.release(); // a second release is harmless
    const second = await settle(pool.acquire(), 'the reused bridge');
    expect(second.bridge).toBe(first.bridge);
    expect(shells).toHaveLength(1);
    expect(pool.size()).toBe(1);
    second.release();
  });

  it('opens at most `max` bridges for ordinary acquires and serves waiters in order', async () => {
    const { pool, shells } = standIn(2);
    const a = track(pool.acquire());
    const b = track(pool.acquire());
    const c = track(pool.acquire());
    const d = track(pool.acquire());
    const la = await settle(a.promise, 'the first bridge');
    const lb = await settle(b.promise, 'the second bridge');
    await turn();
    expect(c.settled).toBe(false);
    expect(d.settled).toBe(false);
    expect(shells).toHaveLength(2);
    expect(pool.size()).toBe(2);

    la.release();
    const lc = await settle(c.promise, 'the first waiter');
    expect(lc.bridge).toBe(la.bridge);
    await turn();
    expect(d.settled).toBe(false);

    lb.release();
    const ld = await settle(d.promise, 'the second waiter');
    expect(ld.bridge).toBe(lb.bridge);
    expect(shells).toHaveLength(2);
    lc.release();
    ld.release();
  });

  it('acquireControl takes an idle bridge, or opens one beyond max when all are busy', async () => {
    const { pool, shells } = standIn(1);
    const busy = await settle(pool.acquire(), 'the only ordinary bridge');
    const waiting = track(pool.acquire());
    const control = await settle(pool.acquireControl(), 'a control bridge');
    expect(control.bridge).not.toBe(busy.bridge);
    expect(shells).toHaveLength(2);
    expect(pool.size()).toBe(2);
    expect(control.bridge.dead).toBe(false);
    control.release();
    // Released, it goes to the waiter like any other free bridge.
    const served = await settle(waiting.promise, 'the waiter');
    expect(served.bridge).toBe(control.bridge);
    served.release();

    const again = await settle(pool.acquireControl(), 'an idle control bridge');
    expect([busy.bridge, control.bridge]).toContain(again.bridge);
    expect(shells).toHaveLength(2);
    again.release();
    busy.release();
  });

  it('a cancelled waiter is removed and rejected with CANCELLED', async () => {
    const { pool, shells } = standIn(1);
    const held = await settle(pool.acquire(), 'the only bridge');
    const controller = new AbortController();
    const cancelled = track(pool.acquire(controller.signal));
    const next = track(pool.acquire());
    await turn();
    expect(cancelled.settled).toBe(false);
    controller.abort();
    await expect(settle(cancelled.promise, 'the cancelled waiter')).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect(cancelled.error).toBeInstanceOf(FleetError);
    // The bridge goes to the next waiter, not to the one that left.
    held.release();
    const served = await settle(next.promise, 'the waiter behind the cancelled one');
    expect(served.bridge).toBe(held.bridge);
    served.release();
    // And then to a new acquire: nothing is left holding it.
    const after = await settle(pool.acquire(), 'the bridge after the waiters');
    expect(after.bridge).toBe(held.bridge);
    expect(shells).toHaveLength(1);
    after.release();
  });

  it('an already aborted signal is refused at once without opening a bridge', async () => {
    const { pool, shells } = standIn(1);
    await expect(pool.acquire(AbortSignal.abort())).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(shells).toHaveLength(0);
    expect(pool.size()).toBe(0);
  });

  it('drops a bridge whose shell died while idle and opens a new one next time', async () => {
    const { pool, shells } = standIn(2);
    const first = await settle(pool.acquire(), 'the first bridge');
    first.release();
    await endShell(shells[0]);
    expect(first.bridge.dead).toBe(true);
    const second = await settle(pool.acquire(), 'a fresh bridge');
    expect(second.bridge).not.toBe(first.bridge);
    expect(second.bridge.dead).toBe(false);
    expect(shells).toHaveLength(2);
    expect(pool.size()).toBe(1);
    second.release();
  });

  it('drops a bridge whose shell died while leased when it is released', async () => {
    const { pool, shells } = standIn(1);
    const lease = await settle(pool.acquire(), 'the bridge');
    const waiting = track(pool.acquire());
    await endShell(shells[0]);
    expect(lease.bridge.dead).toBe(true);
    lease.release();
    const fresh = await settle(waiting.promise, 'a bridge for the waiter');
    expect(fresh.bridge).not.toBe(lease.bridge);
    expect(shells).toHaveLength(2);
    expect(pool.size()).toBe(1);
    fresh.release();
  });

  it('prune closes idle bridges unused for idleMs and keeps leased and recent ones', async () => {
    const { pool, shells } = standIn(3);
    const [l1, l2, l3] = await settle(
      Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]),
      'three bridges',
    );
    if (!l1 || !l2 || !l3) throw new Error('three leases expected');
    const exited = shells.map((shell) => once(shell, 'close'));
    l1.release();
    l2.release();
    const newest = Math.max(l1.bridge.idleSince, l2.bridge.idleSince, l3.bridge.idleSince);
    // Not idle long enough yet: nothing closes.
    expect(pool.prune(60_000, newest)).toBe(3);
    // Long enough: the two idle ones close, the leased one stays.
    expect(pool.prune(60_000, newest + 60_000)).toBe(1);
    expect(pool.size()).toBe(1);
    expect(l1.bridge.dead).toBe(true);
    expect(l2.bridge.dead).toBe(true);
    expect(l3.bridge.dead).toBe(false);
    // Their shells really end (each acquire opened its own shell, in order); the leased one runs on.
    await settle(Promise.all([exited[0], exited[1]]), 'the pruned shells to exit');
    expect(shells[2]?.exitCode).toBeNull();
    expect(shells[2]?.signalCode).toBeNull();
    l3.release();
    const next = await settle(pool.acquire(), 'the kept bridge');
    expect(next.bridge).toBe(l3.bridge);
    expect(shells).toHaveLength(3);
    next.release();
  });

  it('close() rejects waiters and later acquires with UNAVAILABLE and closes bridges once free', async () => {
    const { pool } = standIn(1);
    const held = await settle(pool.acquire(), 'the bridge');
    const waiting = track(pool.acquire());
    pool.close();
    await expect(settle(waiting.promise, 'the waiter')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(pool.size()).toBe(0);
    // A call still running on a leased bridge is not cut off; its release closes the bridge.
    expect(held.bridge.dead).toBe(false);
    held.release();
    expect(held.bridge.dead).toBe(true);
  });

  it('close() while a bridge is still opening rejects its acquire with UNAVAILABLE and ends the new shell', async () => {
    const { pool, shells } = standIn(1);
    const opening = pool.acquire();
    pool.close();
    await expect(settle(opening, 'the acquire that was opening')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    expect(shells).toHaveLength(1);
    const shell = shells[0] as ChildProcess;
    if (shell.exitCode === null && shell.signalCode === null)
      await settle(once(shell, 'close'), 'the shell to end');
    expect(pool.size()).toBe(0);
  });

  it('close() closes idle bridges at once', async () => {
    const { pool } = standIn(2);
    const lease = await settle(pool.acquire(), 'the bridge');
    const bridge: Bridge = lease.bridge;
    lease.release();
    pool.close();
    expect(bridge.dead).toBe(true);
    expect(pool.size()).toBe(0);
  });

  it('a failed open rejects the waiter with its error', async () => {
    const { pool } = standIn(2, () =>
      Promise.reject(new FleetError('UNAVAILABLE', 'connect ECONNREFUSED 127.0.0.1:22')),
    );
    await expect(settle(pool.acquire(), 'the refused acquire')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'connect ECONNREFUSED 127.0.0.1:22',
    });
    expect(pool.size()).toBe(0);
  });
});
