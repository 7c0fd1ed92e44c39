import { type FSWatcher, watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname } from 'node:path';
import type { Server } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { generateToken, hashToken, isLoopbackHost, type TokenEntry } from '../agent/index.js';
import { type AuditSink, createAuditFiles, noAudit } from '../audit/index.js';
import { createLocalDevice, type Device } from '../device/index.js';
import { FleetError } from '../errors/index.js';
import { createLogger, type Logger } from '../log/index.js';
import { createToolCatalog } from '../tools/index.js';
import { packageVersion } from '../version.js';
import {
  createEnrolledStore,
  createJoinTokenStore,
  enrolledPath,
  handleEnroll,
  joinTokensPath,
} from './enroll/index.js';
import { createFleet } from './fleet.js';
import { createFleetTools } from './fleetTools.js';
import { createHubServerFactory } from './hubServer.js';
import {
  type HubFlags,
  type HubSettings,
  hubConfigPath,
  principalsOf,
  resolveHubSettings,
} from './hubSettings.js';
import { type Inventory, loadInventory, readFleetConfig } from './inventory/index.js';
import { createRateLimiter } from './rateLimit.js';
import { createRecipeTools, loadRecipes, type RecipeToolDef, recipeFilePaths } from './recipes/index.js';
import { createServerSet } from './serverSet.js';
import { createUpstream } from './upstreamHttp.js';

/**
 * The whole shutdown: cancelling what is in flight, waiting for those calls to answer and be
 * audited, and closing the transports. Every step is bounded by it, so nothing a device or a
 * third-party server does (not answering, being stopped) can hold the exit longer.
 */
const SHUTDOWN_BUDGET_MS = 5000;
/** Kept out of the wait for answers, so closing the transports always gets some of the budget. */
const TRANSPORT_CLOSE_MS = 500;

export interface HubOptions extends HubFlags {
  /** Serve this machine in-process under this device name (`mcp-fleet up`). */
  localDevice?: string;
  /** Extra admin principals whose tokens are kept elsewhere (the `up` token). */
  extraTokens?: TokenEntry[];
}

export interface RunningHub {
  url: string | null;
  /** The token generated for this run, if no principal had one (printed once by the caller). */
  generatedToken: string | undefined;
  settings: HubSettings;
  reload(): Promise<boolean>;
  close(): Promise<void>;
}

export interface HubDeps {
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/** Starts `mcp-fleet hub`: the fleet behind one MCP endpoint, over Streamable HTTP or stdio. */
export async function runHub(options: HubOptions, deps: HubDeps = {}): Promise<RunningHub> {
  const env = deps.env ?? process.env;
  const version = packageVersion();
  // The config says where the state dir is, which holds the enrolled devices the inventory joins.
  const firstConfig = await readFleetConfig(hubConfigPath(options, env));
  const settings = resolveHubSettings(options, firstConfig, env);
  const logger = deps.logger ?? createLogger({ level: settings.logLevel, name: 'mcp-fleet-hub' });
  const enrolled = createEnrolledStore(enrolledPath(settings.stateDir));
  const joinTokens = createJoinTokenStore(joinTokensPath(settings.stateDir));

  const load = async (config?: Inventory['config']): Promise<Inventory> =>
    loadInventory({
      file: settings.configPath,
      ...(config ? { config } : { previous: inventory.config }),
      env,
      enrolled: await enrolled.load(),
      ...(options.localDevice ? { localDevice: options.localDevice } : {}),
    });
  let inventory = await load(firstConfig);

  const auditFiles = createAuditFiles({
    onError: (error) => logger.error({ err: error }, 'audit write failed'),
  });
  const makeAudit = (inv: Inventory): AuditSink =>
    settings.auditPath && inv.config.audit.enabled
      ? auditFiles.sink({
          path: settings.auditPath,
          maxBytes: inv.config.audit.max_bytes,
          keep: inv.config.audit.keep,
        })
      : noAudit;
  let audit = makeAudit(inventory);

  const catalog = createToolCatalog({
    status: { self: () => ({ version, pid: process.pid, rss_bytes: process.memoryUsage.rss() }) },
  });
  const fleetTools = createFleetTools(catalog);
  // Recipes are checked against the agent tools' schemas; a bad recipe refuses the start or reload.
  const loadRecipeTools = async (inv: Inventory) =>
    createRecipeTools(
      await loadRecipes({ config: inv.config, file: inv.file, tools: catalog.tools }),
      catalog.tools,
    );
  const listing = (tools: ReadonlyMap<string, RecipeToolDef>) =>
    JSON.stringify([...tools.values()].map((t) => t.wire));
  let recipeTools = await loadRecipeTools(inventory);
  const localDevices = new Map<string, Device>();
  const localDevice = (name: string) => {
    let device = localDevices.get(name);
    if (!device) {
      device = createLocalDevice({ name, env });
      localDevices.set(name, device);
    }
    return device;
  };

  // List changes are coalesced: a reload that touches many devices is one notification.
  const instances = new Set<Server>();
  let notifyTimer: NodeJS.Timeout | undefined;
  let upstreamNotify: (() => void) | undefined;
  const listChanged = () => {
    clearTimeout(notifyTimer);
    notifyTimer = setTimeout(() => {
      upstreamNotify?.();
      for (const server of instances) {
        void server.sendToolListChanged().catch(() => {});
        void server.sendResourceListChanged().catch(() => {});
        void server.sendPromptListChanged().catch(() => {});
      }
    }, 100);
    notifyTimer.unref();
  };

  const fleet = createFleet(
    {
      clientName: 'mcp-fleet-hub',
      clientVersion: version,
      env,
      logger,
      catalog,
      localDevice,
      render: (tool, result) => catalog.tools.get(tool)?.render(result) ?? JSON.stringify(result),
      onDevicesChanged: listChanged,
      onHealthChange: (device, health) =>
        logger.info(
          { device, state: health.state, last_error: health.last_error },
          'device presence changed',
        ),
    },
    inventory,
  );
  const servers = createServerSet({ env, logger, onChange: listChanged });

  // A token generated for this run (no principal had one) is kept across reloads.
  let generated: TokenEntry[] = [];
  const principals = (config: Inventory['config']) =>
    principalsOf(config, env, [...(options.extraTokens ?? []), ...generated], settings.insecure);
  let access = principals(inventory.config);
  let generatedToken: string | undefined;
  const loopback = isLoopbackHost(settings.listen.host);
  // Refuse before anything is started (downstream servers, clients), so a refusal leaks nothing.
  if (!options.stdio && access.tokens.length === 0) {
    if (settings.insecure) {
      logger.warn(
        '!!! --insecure: serving WITHOUT authentication; anyone who can reach this port controls the fleet !!!',
      );
    } else if (!loopback) {
      throw new FleetError(
        'LISTEN_REFUSED',
        `refusing to serve on ${settings.listen.host} without a principal token: add principals to fleet.yaml ` +
          'or set MCP_FLEET_TOKEN (or --insecure, not recommended)',
      );
    } else {
      generatedToken = generateToken();
      generated = [{ name: 'generated', sha256: hashToken(generatedToken) }];
      access = principals(inventory.config);
    }
  }
  const rateLimiter = createRateLimiter();
  const enrollLimit = createRateLimiter();
  await mkdir(settings.stateDir, { recursive: true, mode: 0o700 });
  await fleet.apply(inventory);
  await servers.apply(inventory.config, inventory.file);

  // Requests being answered and audit lines being written. A shutdown waits for them (bounded),
  // so a call that SIGTERM cancels still reaches its client and leaves its audit line.
  const pending = new Set<Promise<unknown>>();
  const hold = <T>(promise: Promise<T>): Promise<T> => {
    pending.add(promise);
    const release = () => pending.delete(promise);
    promise.then(release, release);
    return promise;
  };

  const factory = createHubServerFactory({
    name: 'mcp-fleet-hub',
    version,
    fleet,
    config: () => inventory.config,
    fleetTools,
    recipeTools: () => recipeTools,
    passthrough: () => servers.passthrough(),
    servers: () => servers.servers(),
    audit: { record: (entry) => hold(audit.record(entry)) },
    rateLimiter,
    principal: (name) => access.principals.get(name),
    logger,
  });

  const applyReload = async (): Promise<boolean> => {
    try {
      const next = await load();
      // Watch the files the new config lists before reading them, so fixing a missing one reloads.
      syncRecipeWatchers(recipeFilePaths(next.config, next.file));
      const nextRecipes = await loadRecipeTools(next);
      const recipesChanged = listing(nextRecipes) !== listing(recipeTools);
      const before = JSON.stringify([...inventory.devices.keys(), inventory.config.compat]);
      if (JSON.stringify([next.config.audit]) !== JSON.stringify([inventory.config.audit]))
        audit = makeAudit(next);
      const restartOnly = (['heartbeat', 'listen', 'state_dir', 'stdio_principal'] as const).filter(
        (key) => JSON.stringify(next.config[key]) !== JSON.stringify(inventory.config[key]),
      );
      if (restartOnly.length) logger.warn({ keys: restartOnly }, 'these settings change only on a restart');
      inventory = next;
      recipeTools = nextRecipes;
      access = principals(next.config);
      await fleet.apply(next);
      await servers.apply(next.config, next.file);
      // A level given by flag or environment outranks the file.
      logger.level = options.logLevel ?? env.MCP_FLEET_LOG_LEVEL ?? next.config.log.level;
      if (before !== JSON.stringify([...next.devices.keys(), next.config.compat]) || recipesChanged)
        listChanged();
      logger.info(
        { config: settings.configPath, devices: next.devices.size, recipes: nextRecipes.size },
        'inventory reloaded',
      );
      return true;
    } catch (error) {
      const message = error instanceof FleetError ? error.message : String(error);
      logger.error(`inventory reload refused, the previous one stays in force: ${message}`);
      return false;
    }
  };
  // One reload at a time: overlapping ones (a file event, SIGHUP, an enrollment) would race
  // each other's awaits, and an older read finishing last would undo a newer one. A request
  // that comes while one runs makes one more run afterwards, which reads the latest state.
  let running: Promise<boolean> | undefined;
  let again = false;
  const reload = (): Promise<boolean> => {
    if (running) {
      again = true;
      return running.then(() => reload());
    }
    running = (async () => {
      let ok = await applyReload();
      while (again) {
        again = false;
        ok = await applyReload();
      }
      return ok;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const watchers: ReturnType<typeof watch>[] = [];
  let debounce: NodeJS.Timeout | undefined;
  const watchFile = (path: string): FSWatcher | undefined => {
    const file = basename(path);
    try {
      // Watch the directory: editors and atomic writers replace files by rename.
      const w = watch(dirname(path), (_event, name) => {
        if (name !== file) return;
        clearTimeout(debounce);
        debounce = setTimeout(() => void reload(), 150);
      });
      w.on('error', (error) => logger.warn({ err: error }, 'watch failed; SIGHUP still reloads'));
      return w;
    } catch (error) {
      logger.warn({ err: error, path }, 'cannot watch; SIGHUP still reloads');
      return undefined;
    }
  };
  const keep = (w: FSWatcher | undefined) => {
    if (w) watchers.push(w);
  };
  if (settings.configPath) keep(watchFile(settings.configPath));
  keep(watchFile(enrolled.path));
  // Recipe files come and go with fleet.yaml's recipe_files: exactly the listed ones are watched.
  const recipeWatchers = new Map<string, FSWatcher | undefined>();
  let watching = true;
  const closeRecipeWatchers = () => {
    watching = false;
    for (const w of recipeWatchers.values()) w?.close();
    recipeWatchers.clear();
  };
  function syncRecipeWatchers(paths: readonly string[]): void {
    if (!watching) return; // a reload finishing after close must not leave a watcher open
    for (const [path, w] of recipeWatchers) {
      if (paths.includes(path)) continue;
      w?.close();
      recipeWatchers.delete(path);
    }
    for (const path of paths) if (!recipeWatchers.has(path)) recipeWatchers.set(path, watchFile(path));
  }
  syncRecipeWatchers(recipeFilePaths(inventory.config, inventory.file));
  const onHup = () => void reload();
  process.on('SIGHUP', onHup);

  let url: string | null = null;

  let closed = false;
  let stopAccepting: () => void = () => {};
  let closeTransport: () => Promise<void> = async () => {};
  /** Waits until every held request and audit write is done, or `deadline` (a Date.now() time) passed. */
  async function drain(deadline: number): Promise<void> {
    // Bounded by the deadline: each round waits for what is held now, or for the time left.
    while (pending.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...pending]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        }),
      ]);
      clearTimeout(timer);
    }
  }
  /**
   * Stops taking connections, then cancels what is in flight (device calls, local commands,
   * third-party servers), so each running call settles with per-device CANCELLED, answers its
   * client and writes its audit line before the transports close. Closing the transports
   * first would cut those answers off and lose the audit lines of the calls in flight.
   * All of it within SHUTDOWN_BUDGET_MS.
   */
  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    const deadline = Date.now() + SHUTDOWN_BUDGET_MS;
    process.off('SIGHUP', onHup);
    for (const w of watchers) w.close();
    closeRecipeWatchers();
    clearTimeout(debounce);
    clearTimeout(notifyTimer);
    stopAccepting();
    // Cancelling is immediate; tearing down (a stdio server's process group, a local command's)
    // may take longer, so it is held like a request: one bounded wait covers it and the answers
    // of the cancelled calls, instead of a teardown wait that would eat the answers' time first.
    void hold(Promise.all([fleet.close(), servers.close()]).catch(() => {}));
    await drain(deadline - TRANSPORT_CLOSE_MS);
    // What is still unfinished is abandoned (the process exits after this), and so is a
    // transport that does not close in time (a connection that never ends).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      closeTransport().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(TRANSPORT_CLOSE_MS, deadline - Date.now()));
      }),
    ]);
    clearTimeout(timer);
  }
  const listen = (server: HttpServer) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          ['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL'].includes(error.code ?? '')
            ? new FleetError(
                'LISTEN_REFUSED',
                `cannot listen on ${settings.listen.host}:${settings.listen.port}: ${error.code}`,
              )
            : error,
        ),
      );
      server.listen(settings.listen.port, settings.listen.host, resolve);
    });

  if (options.stdio) {
    const stdioName = inventory.config.stdio_principal ?? 'stdio';
    const handle = serveStdio(
      () => {
        const server = factory({ authInfo: { token: '', clientId: stdioName, scopes: [] } as never });
        instances.add(server);
        server.onclose = () => instances.delete(server);
        return server;
      },
      { onerror: (error) => logger.debug({ err: error }, 'stdio') },
    );
    const stop = () => {
      for (const w of watchers) w.close();
      closeRecipeWatchers();
    };
    process.stdin.once('end', stop);
    process.stdin.once('close', stop);
    closeTransport = () => handle.close();
    logger.info({ version, devices: inventory.devices.size }, 'hub serving MCP on stdio');
  } else {
    const upstream = createUpstream({
      factory,
      logger,
      state: () => ({
        tokens: access.tokens,
        insecure: settings.insecure,
        guards: {
          loopbackOnly: loopback,
          allowedHosts: inventory.config.allowed_hosts,
          allowedOrigins: inventory.config.allowed_origins,
        },
        maxBodyBytes: inventory.config.max_body_bytes,
      }),
      enroll: (body) =>
        handleEnroll(body, {
          joinTokens,
          enrolled,
          reservedNames: () =>
            new Set(
              fleet
                .devices()
                .filter((d) => d.source !== 'enrolled')
                .map((d) => d.name),
            ),
          onEnrolled: (name) => {
            logger.info({ device: name }, 'device enrolled');
            void reload();
          },
        }),
      enrollLimiter: async (address) => (await enrollLimit.take(`enroll:${address}`, 10)) === undefined,
    });
    upstreamNotify = () => upstream.notifyListChanged();
    // A tool call is a POST; GETs are legacy notification streams, open for the session's life.
    upstream.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'POST') void hold(new Promise<void>((resolve) => res.once('close', resolve)));
    });
    try {
      await listen(upstream.server);
    } catch (error) {
      // Nothing started for this hub may outlive a failed start (stdio servers, clients, watchers).
      await close();
      throw error;
    }
    upstream.server.on('error', (error) => logger.error({ err: error }, 'server error'));
    const address = upstream.server.address();
    url =
      address && typeof address === 'object'
        ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/mcp`
        : null;
    stopAccepting = () => upstream.server.close();
    closeTransport = () => upstream.close();
    logger.info({ url, version, devices: inventory.devices.size }, 'hub listening');
  }

  return { url, generatedToken, settings, reload, close };
}
