import { FleetError } from '../errors/index.js';
import { Bridge, type ShellStream } from './bridge.js';

export interface BridgeLease {
  readonly bridge: Bridge;
  release(): void;
}

export interface BridgePoolOptions {
  /** Opens a new `/bin/sh` channel (connecting first when needed). */
  open: () => Promise<ShellStream>;
  /** Bridges kept open at most for ordinary calls (OpenSSH allows 10 sessions per connection). */
  max: number;
  startTimeoutMs: number;
}

export interface BridgePool {
  /** A bridge of our own for one request; waits for one to be free when `max` are busy. */
  acquire(signal?: AbortSignal): Promise<BridgeLease>;
  /**
   * A bridge for a kill, which must not wait behind the busy calls it is there to stop: an
   * idle one, or one more beyond `max`.
   */
  acquireControl(): Promise<BridgeLease>;
  /** Bridges open now (busy or idle). */
  size(): number;
  /** Closes idle bridges unused for `idleMs`; returns how many are left. */
  prune(idleMs: number, now?: number): number;
  close(): void;
}

interface Waiter {
  resolve: (lease: BridgeLease) => void;
  reject: (error: Error) => void;
}

/**
 * Persistent bridges for one device: reused call after call, opened on demand up to `max`,
 * dropped when they die (a lost connection kills them all; the next call reconnects).
 */
export function createBridgePool(options: BridgePoolOptions): BridgePool {
  const bridges = new Set<Bridge>();
  const leased = new Set<Bridge>();
  let opening = 0;
  const waiters: Waiter[] = [];
  let closed = false;

  const lease = (bridge: Bridge): BridgeLease => {
    leased.add(bridge);
    let released = false;
    return {
      bridge,
      release() {
        if (released) return;
        released = true;
        leased.delete(bridge);
        if (bridge.dead || closed) {
          bridges.delete(bridge);
          if (!bridge.dead) bridge.close();
        }
        pump();
      },
    };
  };

  const idle = (): Bridge | undefined => {
    for (const bridge of bridges) {
      if (bridge.dead) {
        if (!leased.has(bridge)) bridges.delete(bridge);
        continue;
      }
      if (!leased.has(bridge) && !bridge.busy) return bridge;
    }
    return undefined;
  };

  const openOne = async (): Promise<Bridge> => {
    opening++;
    try {
      const bridge = await Bridge.start(await options.open(), options.startTimeoutMs);
      if (closed) {
        bridge.close();
        throw new FleetError('UNAVAILABLE', 'the device connection is closed');
      }
      bridges.add(bridge);
      return bridge;
    } finally {
      opening--;
    }
  };

  /** Hands free bridges to waiters, opening new ones while under `max`. */
  function pump(): void {
    while (waiters.length > 0) {
      const free = idle();
      if (free) {
        waiters.shift()?.resolve(lease(free));
        continue;
      }
      if (bridges.size + opening >= options.max) return;
      const waiter = waiters.shift() as Waiter;
      openOne().then(
        (bridge) => waiter.resolve(lease(bridge)),
        (error: Error) => {
          waiter.reject(error);
          // The others may still be served by bridges that free up; a failed open
          // (connection down) fails them too rather than leaving them queued.
          if (bridges.size === 0) for (const w of waiters.splice(0)) w.reject(error);
        },
      );
    }
  }

  return {
    acquire(signal) {
      if (closed) return Promise.reject(new FleetError('UNAVAILABLE', 'the device connection is closed'));
      return new Promise<BridgeLease>((resolve, reject) => {
        const waiter: Waiter = {
          resolve: (l) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(l);
          },
          reject: (e) => {
            signal?.removeEventListener('abort', onAbort);
            reject(e);
          },
        };
        const onAbort = () => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) {
            waiters.splice(at, 1);
            reject(new FleetError('CANCELLED', 'cancelled while waiting for a free channel'));
          }
        };
        if (signal?.aborted) {
          reject(new FleetError('CANCELLED', 'cancelled before a channel was free'));
          return;
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
        pump();
      });
    },
    async acquireControl() {
      const free = idle();
      if (free) return lease(free);
      return lease(await openOne());
    },
    size: () => bridges.size,
    prune(idleMs, now = Date.now()) {
      for (const bridge of bridges) {
        if (!leased.has(bridge) && !bridge.busy && now - bridge.idleSince >= idleMs) {
          bridges.delete(bridge);
          bridge.close('idle');
        }
      }
      return bridges.size;
    },
    close() {
      closed = true;
      for (const w of waiters.splice(0))
        w.reject(new FleetError('UNAVAILABLE', 'the device connection is closed'));
      for (const bridge of bridges) if (!leased.has(bridge)) bridge.close();
      bridges.clear();
    },
  };
}
