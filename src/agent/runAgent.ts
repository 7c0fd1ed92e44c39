import { watch } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { basename, dirname } from 'node:path';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { type AuditSink, createAuditFiles, noAudit } from '../audit/index.js';
import { createLocalDevice } from '../device/index.js';
import { FleetError } from '../errors/index.js';
import { createLogger, type Logger } from '../log/index.js';
import { createToolCatalog, createToolPipeline } from '../tools/index.js';
import { packageVersion } from '../version.js';
import type { HttpFrontState } from './admission.js';
import { generateToken, hashToken } from './auth.js';
import { createHttpFront } from './httpServer.js';
import { createIdleTimer } from './idleTimer.js';
import { createMcpServerFactory } from './mcpServer.js';
import { isLoopbackHost } from './requestGuards.js';
import { type AgentFlags, type AgentSettings, resolveAgentSettings } from './settings.js';
import { listenFds } from './socketActivation.js';

export interface AgentOptions extends AgentFlags {
  stdio?: boolean;
}

export interface RunningAgent {
  /** Where HTTP is served (`null` in stdio mode). */
  url: string | null;
  close(): Promise<void>;
  /** Re-reads the config file; an invalid file is refused and the old config stays. */
  reload(): Promise<boolean>;
}

export interface AgentDeps {
  env?: NodeJS.ProcessEnv;
  /** Where the one-time token banner goes (a terminal, not the log). */
  print?: (text: string) => void;
  logger?: Logger;
  exit?: (code: number) => void;
}

/** Starts `mcp-fleet agent`: this machine's tools over Streamable HTTP or stdio. */
export async function runAgent(options: AgentOptions, deps: AgentDeps = {}): Promise<RunningAgent> {
  const env = deps.env ?? process.env;
  const print = deps.print ?? ((text: string) => process.stdout.write(text));
  const exit = deps.exit ?? ((code: number) => process.exit(code));
  let settings = await resolveAgentSettings(options, env);
  const logger = deps.logger ?? createLogger({ level: settings.logLevel, name: 'mcp-fleet-agent' });
  const version = packageVersion();

  const auditFiles = createAuditFiles({
    onError: (error) => logger.error({ err: error }, 'audit write failed'),
  });
  const makeAudit = (s: AgentSettings): AuditSink =>
    s.auditPath
      ? auditFiles.sink({ path: s.auditPath, maxBytes: s.config.audit.max_bytes, keep: s.config.audit.keep })
      : noAudit;
  let audit = makeAudit(settings);

  const device = createLocalDevice({ capabilities: settings.config.capabilities, env });
  const catalog = createToolCatalog({
    status: { self: () => ({ version, pid: process.pid, rss_bytes: process.memoryUsage.rss() }) },
  });
  const pipeline = createToolPipeline({
    catalog,
    device,
    policy: () => settings.config.policy,
    audit: { record: (entry) => audit.record(entry) },
    onDefect: (error, tool) => logger.error({ err: error, tool }, 'tool defect'),
  });
  const factory = createMcpServerFactory({ name: 'mcp-fleet-agent', version, device, pipeline });

  let watcher: ReturnType<typeof watch> | undefined;
  const reload = async (): Promise<boolean> => {
    try {
      const next = await resolveAgentSettings(options, env);
      if (next.listen.host !== settings.listen.host || next.listen.port !== settings.listen.port) {
        logger.warn('listen address changes need a restart; keeping the old one');
      }
      // A generated token has no config entry: keep it across reloads.
      const generated = settings.tokens.filter((t) => t.name === 'generated');
      next.tokens.push(...generated);
      const auditKey = (x: AgentSettings) => JSON.stringify([x.auditPath, x.config.audit]);
      if (auditKey(next) !== auditKey(settings)) audit = makeAudit(next);
      logger.level = next.logLevel;
      settings = next;
      logger.info({ config: settings.configPath }, 'config reloaded');
      return true;
    } catch (error) {
      const message = error instanceof FleetError ? error.message : String(error);
      logger.error(`config reload refused, the previous config stays in force: ${message}`);
      return false;
    }
  };
  const onHup = () => void reload();
  process.on('SIGHUP', onHup);
  if (settings.configPath) {
    const file = basename(settings.configPath);
    let debounce: NodeJS.Timeout | undefined;
    // Watch the directory: editors replace files by rename, which a file watch would miss.
    watcher = watch(dirname(settings.configPath), (_event, name) => {
      if (name !== file) return;
      clearTimeout(debounce);
      debounce = setTimeout(() => void reload(), 150);
    });
    watcher.on('error', (error) => logger.warn({ err: error }, 'config watch failed; SIGHUP still reloads'));
  }
  const stopWatching = () => {
    process.off('SIGHUP', onHup);
    watcher?.close();
  };

  if (options.stdio) {
    const handle = serveStdio(factory, { onerror: (error) => logger.debug({ err: error }, 'stdio') });
    // The client closing stdin ends the session, and the process must then exit: the config
    // watcher is the one handle left that would keep it alive, so it goes too.
    process.stdin.once('end', stopWatching);
    process.stdin.once('close', stopWatching);
    logger.info({ version }, 'agent serving MCP on stdio');
    return {
      url: null,
      reload,
      async close() {
        stopWatching();
        await pipeline.drain();
        await handle.close();
      },
    };
  }

  const fds = listenFds(env);
  const loopback = fds.length === 0 && isLoopbackHost(settings.listen.host);
  let generatedToken: string | undefined;
  if (settings.tokens.length === 0) {
    if (settings.insecure) {
      logger.warn(
        '!!! --insecure: serving WITHOUT authentication; anyone who can reach this port runs commands !!!',
      );
    } else if (!loopback) {
      throw new FleetError(
        'LISTEN_REFUSED',
        `refusing to serve on ${fds.length ? 'a passed socket' : settings.listen.host} without a token: ` +
          'set tokens in the config, MCP_FLEET_TOKEN or --token-file (or --insecure, not recommended)',
      );
    } else {
      generatedToken = generateToken();
      settings.tokens.push({ name: 'generated', sha256: hashToken(generatedToken) });
    }
  }

  const maxRequestBodySize = settings.config.policy.limits.max_body_bytes;
  const handler = createMcpHandler(factory, {
    maxRequestBodySize,
    onerror: (error) => logger.debug({ err: error }, 'mcp handler'),
  });
  const idle =
    settings.idleExitS !== undefined
      ? createIdleTimer(settings.idleExitS * 1000, () => {
          logger.info({ idle_s: settings.idleExitS }, 'idle, exiting');
          void close().then(() => exit(0));
        })
      : undefined;
  const server: HttpServer = createHttpFront({
    // The Node adapter reads the body first and has its own limit (4 MiB unless told): give it
    // the configured one, or bodies between the two would be refused below the operator's limit.
    mcp: toNodeHandler(handler, { maxRequestBodySize }),
    logger,
    activity: idle,
    state: (): HttpFrontState => ({
      tokens: settings.tokens,
      insecure: settings.insecure,
      guards: {
        loopbackOnly: loopback,
        allowedHosts: settings.config.allowed_hosts,
        allowedOrigins: settings.config.allowed_origins,
      },
      maxBodyBytes: maxRequestBodySize, // fixed at start, like the SDK handler's own limit
    }),
  });
  server.requestTimeout = 0; // long exec calls stream for as long as their own timeout allows
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL'
          ? new FleetError(
              'LISTEN_REFUSED',
              `cannot listen on ${settings.listen.host}:${settings.listen.port}: ${error.code}`,
            )
          : error,
      ),
    );
    if (fds[0] !== undefined) server.listen({ fd: fds[0] }, resolve);
    else server.listen(settings.listen.port, settings.listen.host, resolve);
  });
  const address = server.address();
  const url =
    address && typeof address === 'object'
      ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/mcp`
      : 'socket';
  logger.info({ url, version, socket_activated: fds.length > 0 }, 'agent listening');
  if (generatedToken) print(tokenBanner(url, generatedToken));

  let closed = false;
  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    stopWatching();
    idle?.stop();
    server.closeIdleConnections();
    await pipeline.drain(); // running commands are killed, not orphaned
    await handler.close().catch(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return { url, close, reload };
}

function tokenBanner(url: string, token: string): string {
  return [
    '',
    `mcp-fleet agent is serving MCP at ${url}`,
    '',
    `Token (shown once, not stored; restart for a new one): ${token}`,
    '',
    'Add it to Claude Code:',
    `  claude mcp add --transport http fleet-agent ${url} --header "Authorization: Bearer ${token}"`,
    'Or try it:',
    `  curl -s ${url} -H "Authorization: Bearer ${token}" -H 'content-type: application/json' \\`,
    `    -H 'accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`,
    '',
  ].join('\n');
}
