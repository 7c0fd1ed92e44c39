import { dirname } from 'node:path';
import type { Logger } from '../log/index.js';
import { type FleetConfig, resolveCredential } from './inventory/index.js';
import {
  createDownstreamServer,
  createPassthrough,
  type DownstreamServer,
  type Passthrough,
  type PassthroughEntry,
} from './servers/index.js';

export interface ServerSetDeps {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** A server's listings changed, or the set of servers did. */
  onChange: () => void;
}

export interface ServerSet {
  apply(config: FleetConfig, file: string | null): Promise<void>;
  servers(): ReadonlyMap<string, DownstreamServer>;
  passthrough(): Passthrough;
  close(): Promise<void>;
}

/**
 * The third-party MCP servers behind the hub, kept in step with fleet.yaml: a reload starts
 * new or changed servers and stops removed ones (a stdio server's whole process group), and
 * leaves the others running untouched.
 */
export function createServerSet(deps: ServerSetDeps): ServerSet {
  const entries = new Map<string, PassthroughEntry & { key: string }>();
  const passthrough = createPassthrough(entries, deps.logger);
  const live = new Map<string, DownstreamServer>();

  async function apply(config: FleetConfig, file: string | null): Promise<void> {
    const baseDir = file ? dirname(file) : process.cwd();
    const wanted = new Map<string, { key: string; token?: string }>();
    for (const [name, spec] of Object.entries(config.servers)) {
      if (!spec.enabled) continue;
      const credential = spec.url ? await resolveCredential(spec, deps.env, baseDir) : {};
      if (credential.problem) deps.logger.warn({ server: name }, `server credential: ${credential.problem}`);
      wanted.set(name, {
        key: JSON.stringify([spec, credential.token ?? null]),
        ...(credential.token ? { token: credential.token } : {}),
      });
    }
    let changed = false;
    for (const [name, entry] of [...entries]) {
      if (wanted.get(name)?.key === entry.key) continue;
      entries.delete(name);
      live.delete(name);
      changed = true;
      await entry.server
        .close()
        .catch((error: unknown) => deps.logger.warn({ err: error, server: name }, 'close failed'));
    }
    // Rebuild in config order, so "first server in config order wins" holds after a reload too.
    const ordered = new Map(entries);
    entries.clear();
    for (const [name, want] of wanted) {
      const spec = config.servers[name];
      if (!spec) continue;
      const existing = ordered.get(name);
      if (existing) {
        entries.set(name, { ...existing, config: spec });
        continue;
      }
      const server = createDownstreamServer(name, spec, {
        ...(want.token ? { token: want.token } : {}),
        env: deps.env,
        logger: deps.logger,
        onChange: deps.onChange,
      });
      entries.set(name, { server, config: spec, key: want.key });
      live.set(name, server);
      changed = true;
    }
    if (changed) deps.onChange();
  }

  return {
    apply,
    servers: () => live,
    passthrough: () => passthrough,
    async close() {
      await Promise.all([...entries.values()].map((e) => e.server.close().catch(() => {})));
      entries.clear();
      live.clear();
    },
  };
}
