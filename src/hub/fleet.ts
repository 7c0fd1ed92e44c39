import { dirname } from 'node:path';
import type { Device } from '../device/index.js';
import type { Logger } from '../log/index.js';
import type { ToolCatalog } from '../tools/index.js';
import {
  type ChainedHub,
  createAgentEndpoint,
  createChainedHub,
  createLocalEndpoint,
  createSshEndpoint,
  type Endpoint,
  hubClosedError,
} from './endpoints/index.js';
import { createHealthMonitor, type DeviceHealth, type HealthMonitor } from './health.js';
import {
  type Credential,
  type Inventory,
  type InventoryDevice,
  resolveCredential,
} from './inventory/index.js';
import type { TargetUniverse } from './targets.js';

export interface FleetDeps {
  clientName: string;
  clientVersion: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  catalog: ToolCatalog;
  /** This machine, for devices with `local: true`. */
  localDevice: (name: string) => Device;
  /** Renders an agent tool's result as the agent would (for chained hubs). */
  render: (tool: string, result: Record<string, unknown>) => string;
  /** The device list or a device's presence changed (clients are told the listings changed). */
  onDevicesChanged: () => void;
  onHealthChange?: (device: string, health: DeviceHealth) => void;
}

export interface Fleet {
  /** Applies a (re)loaded inventory: new endpoints for new or changed devices, old ones retired when idle. */
  apply(inventory: Inventory): Promise<void>;
  /** Every device, fleet.yaml order first, then enrolled, then chained (`site/device`). */
  devices(): InventoryDevice[];
  device(name: string): InventoryDevice | undefined;
  universe(): TargetUniverse;
  endpoint(name: string): Endpoint | undefined;
  readonly health: HealthMonitor;
  close(): Promise<void>;
}

interface Slot {
  key: string;
  endpoint: Endpoint;
  inFlight: number;
  retired: boolean;
}

/**
 * The hub's live view of its fleet: one endpoint (one downstream client) per device, reused
 * by every call; a reload swaps only what changed, and a retired endpoint closes once its
 * in-flight calls are done, so a reload never cuts a running call.
 */
export function createFleet(deps: FleetDeps, inventory: Inventory): Fleet {
  let current = inventory;
  const slots = new Map<string, Slot>();
  let closed = false;
  /** Retired slots whose calls are still running: close() must cancel those calls too. */
  const retiring = new Set<Slot>();
  const chained = new Map<string, { hub: ChainedHub; key: string; tags: string[] }>();
  let chainedDevices: InventoryDevice[] = [];
  let chainedByName = new Map<string, InventoryDevice>();

  const health = createHealthMonitor({
    probe: async (name, signal) => {
      const endpoint = lookup(name);
      if (!endpoint) throw new Error(`${name} is not in the inventory`);
      await endpoint.ping(signal);
    },
    intervalMs: inventory.config.heartbeat.interval_s * 1000,
    timeoutMs: inventory.config.heartbeat.timeout_s * 1000,
    downAfter: inventory.config.heartbeat.down_after,
    maxBackoffMs: inventory.config.heartbeat.max_backoff_s * 1000,
    slowMs: inventory.config.heartbeat.slow_ms,
    // A probe is one small request; hung devices hold a slot for the whole probe timeout, so
    // the cap is generous, or a few hung devices would delay everyone's first heartbeat.
    maxConcurrentProbes: 128,
    onChange: (device, next) => deps.onHealthChange?.(device, next),
  });

  function track(endpoint: Endpoint, slot: () => Slot | undefined): Endpoint {
    const wrap =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const s = slot();
        if (s) s.inFlight++;
        try {
          return await fn(...args);
        } finally {
          if (s) {
            s.inFlight--;
            if (s.retired && s.inFlight === 0) {
              retiring.delete(s);
              void s.endpoint.close();
            }
          }
        }
      };
    return {
      device: endpoint.device,
      callTool: wrap(endpoint.callTool.bind(endpoint)),
      ping: wrap(endpoint.ping.bind(endpoint)),
      close: () => endpoint.close(),
    };
  }

  function retire(slot: Slot): void {
    slot.retired = true;
    if (slot.inFlight === 0) void slot.endpoint.close();
    else retiring.add(slot);
  }

  function build(device: InventoryDevice): Endpoint {
    const c = device.connector;
    if (c.kind === 'local') {
      return createLocalEndpoint({
        device: deps.localDevice(device.name),
        catalog: deps.catalog,
        policy: () => c.policy,
        onDefect: (error, tool) =>
          deps.logger.error({ err: error, tool, device: device.name }, 'tool defect'),
      });
    }
    if (c.kind === 'agent') {
      return createAgentEndpoint({
        device: device.name,
        url: c.url,
        credential: c.credential,
        clientName: deps.clientName,
        clientVersion: deps.clientVersion,
      });
    }
    if (c.kind === 'ssh') {
      return createSshEndpoint({
        device: device.name,
        ssh: c.ssh,
        policy: () => c.policy,
        ...(c.become ? { become: c.become } : {}),
        ...(c.agentCommand ? { agentCommand: c.agentCommand } : {}),
        catalog: deps.catalog,
        env: deps.env,
        clientName: deps.clientName,
        clientVersion: deps.clientVersion,
        onDefect: (error, tool) =>
          deps.logger.error({ err: error, tool, device: device.name }, 'tool defect'),
      });
    }
    const site = chained.get(c.hub);
    if (!site) throw new Error(`no chained hub ${c.hub}`);
    return site.hub.endpointFor(c.remote);
  }

  function lookup(name: string): Endpoint | undefined {
    // After close(), devices a fan-out had still queued must read as cancelled with the rest,
    // not as gone from the inventory.
    if (closed) return closedEndpoint(name);
    const slot = slots.get(name);
    if (slot) return track(slot.endpoint, () => slot);
    return undefined;
  }

  function rebuildChained(): void {
    chainedDevices = [...chained.entries()].flatMap(([site, { hub, tags }]) =>
      hub.devices().map(
        (d): InventoryDevice => ({
          name: `${site}/${d.name}`,
          tags: [...new Set([...d.tags, ...tags])],
          source: 'chained',
          connector: { kind: 'chained', hub: site, remote: d.name },
        }),
      ),
    );
    chainedByName = new Map(chainedDevices.map((d) => [d.name, d]));
  }

  function syncSlots(): void {
    const all = [...current.devices.values(), ...chainedDevices];
    const seen = new Set<string>();
    for (const device of all) {
      seen.add(device.name);
      const key = JSON.stringify(device.connector);
      const slot = slots.get(device.name);
      if (slot && slot.key === key) continue;
      if (slot) retire(slot);
      try {
        slots.set(device.name, { key, endpoint: build(device), inFlight: 0, retired: false });
      } catch (error) {
        deps.logger.error({ err: error, device: device.name }, 'cannot build device endpoint');
        slots.delete(device.name);
      }
    }
    for (const [name, slot] of slots) {
      if (!seen.has(name)) {
        retire(slot);
        slots.delete(name);
      }
    }
    health.sync(all.map((d) => d.name));
  }

  async function apply(next: Inventory): Promise<void> {
    current = next;
    const baseDir = next.file ? dirname(next.file) : process.cwd();
    const wanted = new Map<string, { key: string; tags: string[]; url: string; credential: Credential }>();
    for (const [site, spec] of Object.entries(next.config.hubs)) {
      const credential = await resolveCredential(spec, deps.env, baseDir);
      wanted.set(site, {
        key: JSON.stringify([spec.url, credential]),
        tags: spec.tags,
        url: spec.url,
        credential,
      });
    }
    for (const [site, entry] of chained) {
      if (wanted.get(site)?.key !== entry.key) {
        chained.delete(site);
        await entry.hub.close();
      }
    }
    for (const [site, want] of wanted) {
      if (chained.has(site)) continue;
      const { url, credential } = want;
      const hub = createChainedHub({
        site,
        url,
        credential,
        clientName: deps.clientName,
        clientVersion: deps.clientVersion,
        refreshMs: next.config.heartbeat.interval_s * 1000,
        timeoutMs: next.config.fanout.device_timeout_s * 1000,
        logger: deps.logger,
        render: deps.render,
        onChange: () => {
          rebuildChained();
          syncSlots();
          deps.onDevicesChanged();
        },
      });
      chained.set(site, { hub, key: want.key, tags: want.tags });
    }
    rebuildChained();
    syncSlots();
  }

  const devices = () => [...current.devices.values(), ...chainedDevices];

  return {
    apply,
    devices,
    device: (name) => current.devices.get(name) ?? chainedByName.get(name),
    universe: () => ({
      devices: devices().map((d) => ({ name: d.name, tags: d.tags })),
      groups: current.config.groups,
    }),
    endpoint: lookup,
    health,
    /**
     * Cancels every call in flight, retired endpoints' included (each endpoint's close cancels its
     * own calls at once, without waiting for a connection still being made), and closes them all
     * together. The caller bounds the wait: a close is only as quick as the transports allow.
     */
    async close() {
      closed = true;
      health.stop();
      const endpoints = [...slots.values(), ...retiring].map((s) => s.endpoint);
      const hubs = [...chained.values()].map((c) => c.hub);
      slots.clear();
      retiring.clear();
      chained.clear();
      await Promise.all([
        ...endpoints.map((e) => e.close().catch(() => {})),
        ...hubs.map((h) => h.close().catch(() => {})),
      ]);
    },
  };
}

/** The endpoint of every device once the fleet is closed: each call fails CANCELLED at once. */
function closedEndpoint(device: string): Endpoint {
  return {
    device,
    callTool: () => Promise.reject(hubClosedError(device)),
    ping: () => Promise.reject(hubClosedError(device)),
    close: async () => {},
  };
}
