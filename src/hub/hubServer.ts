import { performance } from 'node:perf_hooks';
import { ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server';
import { progressNotifier } from '../agent/index.js';
import type { AuditSink } from '../audit/index.js';
import { FleetError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { ListedTool, ToolCallResult } from '../tools/index.js';
import { canList, evaluateAccess } from './access.js';
import { createCompat } from './compat.js';
import type { Fleet } from './fleet.js';
import { type Principal, reachOf } from './fleetCall.js';
import { callFleetTool, type FleetToolDef } from './fleetTools.js';
import type { FleetConfig } from './inventory/index.js';
import type { RateLimiter } from './rateLimit.js';
import { callRecipe, type RecipeToolDef } from './recipes/index.js';
import type { DownstreamServer, Passthrough } from './servers/index.js';

export interface HubContext {
  name: string;
  version: string;
  fleet: Fleet;
  config: () => FleetConfig;
  fleetTools: ReadonlyMap<string, FleetToolDef>;
  /** The recipe tools (`recipe_<name>`) of the inventory in force; they change on reload. */
  recipeTools?: () => ReadonlyMap<string, RecipeToolDef>;
  passthrough: () => Passthrough;
  servers: () => ReadonlyMap<string, DownstreamServer>;
  audit: AuditSink;
  rateLimiter: RateLimiter;
  /** The principal a verified token (or stdio) maps to. */
  principal: (name: string) => Principal | undefined;
  logger: Logger;
  /** Each new server instance is announced, so list changes can be pushed to it (legacy sessions, stdio). */
  onInstance?: (server: Server) => void;
}

const INSTRUCTIONS =
  'One endpoint for a fleet of machines. fleet_devices lists devices, tags and presence; every fleet_* tool ' +
  'takes targets (name, glob, tag:x, group:y, all; a,b lists; !x excludes; &x intersects) and answers per device. ' +
  'Look (fleet_status, fleet_logs, fleet_read_file) before changing anything. Tools named recipe_<name> run ' +
  'an operator-defined sequence of steps with typed parameters; prefer them for the workflows they cover. ' +
  'Tools named <server>__<tool> belong to other MCP servers behind this hub.';

/** Whether a principal may use a third-party server at all (its `servers` list). */
function mayUse(principal: Principal, server: string | undefined): boolean {
  if (server === undefined) return false;
  return principal.servers === 'all' || principal.servers.includes(server);
}

function protocolError(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, message);
}

/**
 * Builds the SDK `Server` for one serving unit (one modern HTTP request, one legacy session, one
 * stdio connection). All state lives in the shared context, so instances are cheap and any of
 * them sees a reloaded inventory at once.
 */
export function createHubServerFactory(ctx: HubContext) {
  const compatTools = createCompat(ctx.fleetTools);
  function listTools(principal: Principal): ListedTool[] {
    const role = principal.role;
    const own = [...ctx.fleetTools.values()]
      .filter((t) =>
        canList(role, { readOnly: t.wire.annotations.readOnlyHint, hasReadOnlyCalls: t.hasReadOnlyCalls }),
      )
      .map((t) => t.wire);
    const recipes = [...(ctx.recipeTools?.().values() ?? [])]
      .filter((t) => canList(role, { readOnly: t.readOnly, hasReadOnlyCalls: t.readOnly }))
      .map((t) => t.wire);
    // `<device>_admin` tools only for devices the principal may reach: the list must not name
    // devices fleet_devices would hide from it.
    const reach = principal.role === 'admin' ? undefined : reachOf(principal, ctx.fleet);
    const compat =
      ctx.config().compat === 'seed'
        ? [...compatTools.tools(ctx.fleet).entries()]
            .filter(
              ([name]) => !reach || !name.endsWith('_admin') || reach.has(name.slice(0, -'_admin'.length)),
            )
            .map(([, t]) => t)
            .filter((t) =>
              canList(role, {
                readOnly: t.wire.annotations.readOnlyHint,
                hasReadOnlyCalls: t.wire.annotations.readOnlyHint,
              }),
            )
            .map((t) => t.wire)
        : [];
    const passthrough = ctx
      .passthrough()
      .tools()
      .filter((t) => {
        const readOnly = t.wire.annotations?.readOnlyHint === true;
        return mayUse(principal, t.server) && canList(role, { readOnly, hasReadOnlyCalls: readOnly });
      })
      .map((t) => t.wire as unknown as ListedTool);
    return [...own, ...recipes, ...compat, ...passthrough];
  }

  async function callPassthrough(
    name: string,
    raw: Record<string, unknown> | undefined,
    principal: Principal,
    signal: AbortSignal,
    progress?: (message: string) => void,
  ): Promise<ToolCallResult | undefined> {
    const found = ctx.passthrough().findTool(name);
    if (!found) return undefined;
    if (!mayUse(principal, found.server)) {
      await ctx.audit.record({
        principal: principal.name,
        tool: name,
        args: raw,
        outcome: 'denied',
        error_code: 'POLICY_DENIED',
        rule: 'principal.servers',
        duration_ms: 0,
      });
      const reason = `principal ${principal.name} may not use server ${found.server} (rule principal.servers)`;
      return { content: [{ type: 'text', text: `POLICY_DENIED: ${reason}` }], isError: true };
    }
    const started = performance.now();
    const readOnly = found.wire.annotations?.readOnlyHint === true;
    const decision = evaluateAccess({ role: principal.role, tool: name, readOnly });
    const audit = (outcome: 'ok' | 'error' | 'denied', extra: Record<string, unknown> = {}) =>
      ctx.audit.record({
        principal: principal.name,
        tool: name,
        args: raw,
        outcome,
        duration_ms: Math.round(performance.now() - started),
        ...extra,
      });
    if (decision.decision === 'deny') {
      await audit('denied', { error_code: 'POLICY_DENIED', rule: decision.ruleId });
      return {
        content: [{ type: 'text', text: `POLICY_DENIED: ${decision.reason} (rule ${decision.ruleId})` }],
        isError: true,
      };
    }
    const server = ctx.servers().get(found.server);
    try {
      if (!server) throw new FleetError('UNAVAILABLE', `server ${found.server} is not running`);
      const result = (await server.callTool(found.tool, raw, {
        signal,
        timeoutMs: ctx.config().fanout.deadline_s * 1000,
        ...(progress ? { onProgress: progress } : {}),
      })) as ToolCallResult;
      await audit(result.isError ? 'error' : 'ok', result.isError ? { error_code: 'TOOL_ERROR' } : {});
      return result;
    } catch (error) {
      const code = error instanceof FleetError ? error.code : 'UPSTREAM_ERROR';
      const message = error instanceof Error ? error.message : String(error);
      await audit('error', { error_code: code });
      return { content: [{ type: 'text', text: `${code}: ${message}` }], isError: true };
    }
  }

  return ({ authInfo }: { authInfo?: { clientId?: string } } = {}): Server => {
    // No verified identity means no principal (fail closed); stdio passes its principal explicitly.
    const principalName = authInfo?.clientId ?? '';
    const server = new Server(
      { name: ctx.name, version: ctx.version },
      {
        capabilities: {
          tools: { listChanged: true },
          resources: { listChanged: true },
          prompts: { listChanged: true },
        },
        instructions: INSTRUCTIONS,
      },
    );
    const who = (): Principal => {
      const p = ctx.principal(principalName);
      // A principal removed by a reload loses access at once, even on an open session.
      if (!p)
        throw new ProtocolError(
          ProtocolErrorCode.InvalidRequest,
          'Unauthorized: this principal no longer exists',
        );
      return p;
    };

    server.setRequestHandler('tools/list', async () => ({ tools: listTools(who()) }));
    server.setRequestHandler('tools/call', async (request, rctx) => {
      const principal = who();
      const name = request.params.name;
      const args = request.params.arguments;
      const progress = progressNotifier(rctx.mcpReq);
      const limited = await ctx.rateLimiter.take(principal.name, principal.ratePerMinute);
      if (limited) {
        await ctx.audit.record({
          principal: principal.name,
          tool: name,
          args,
          outcome: 'denied',
          error_code: limited.code,
          duration_ms: 0,
        });
        return { content: [{ type: 'text', text: `${limited.code}: ${limited.message}` }], isError: true };
      }
      const deps = { fleet: ctx.fleet, config: ctx.config, audit: ctx.audit };
      const call = { principal, signal: rctx.mcpReq.signal, ...(progress ? { progress } : {}) };
      const own = ctx.fleetTools.get(name);
      if (own) return callFleetTool(own, args, call, deps);
      const recipe = ctx.recipeTools?.().get(name);
      if (recipe) return callRecipe(recipe, args, call, deps);
      if (ctx.config().compat === 'seed') {
        const compat = compatTools.find(name, ctx.fleet);
        if (compat) {
          let routed: { tool: string; args: Record<string, unknown> };
          try {
            routed = compat.route(args, ctx.fleet);
          } catch (error) {
            const e = error instanceof FleetError ? error : new FleetError('INVALID_ARGUMENT', String(error));
            return { content: [{ type: 'text', text: `${e.code}: ${e.message}` }], isError: true };
          }
          const target = ctx.fleetTools.get(routed.tool);
          if (!target) throw protocolError(`Unknown tool: ${name}`);
          const result = await callFleetTool(target, routed.args, call, deps);
          if (compat.reshape && result.structuredContent && !result.isError) {
            const shaped = compat.reshape(result.structuredContent);
            return { content: [{ type: 'text', text: shaped.text }], structuredContent: shaped.structured };
          }
          return result;
        }
      }
      const passed = await callPassthrough(name, args, principal, rctx.mcpReq.signal, progress);
      if (passed) return passed;
      await ctx.audit.record({
        principal: principal.name,
        tool: name,
        args,
        outcome: 'error',
        error_code: 'UNKNOWN_TOOL',
        duration_ms: 0,
      });
      throw protocolError(`Unknown tool: ${name}`);
    });

    server.setRequestHandler('resources/list', async () => {
      const principal = who();
      const p = ctx.passthrough();
      return { resources: p.resources().filter((r) => mayUse(principal, p.findResourceServer(r.uri))) };
    });
    server.setRequestHandler('resources/templates/list', async () => {
      // Templates do not say which server owns them; only a principal that may use every server sees them.
      return { resourceTemplates: who().servers === 'all' ? ctx.passthrough().resourceTemplates() : [] };
    });
    server.setRequestHandler('prompts/list', async () => {
      const principal = who();
      return {
        prompts: ctx
          .passthrough()
          .prompts()
          .filter((p) => mayUse(principal, ctx.passthrough().findPrompt(p.name)?.server)),
      };
    });

    /** Resource reads and prompt gets: the same access, rate limit and audit as a tool call. */
    async function relay<T>(
      kind: 'resources/read' | 'prompts/get',
      subject: string,
      server: string | undefined,
      run: (downstream: DownstreamServer) => Promise<T>,
    ): Promise<T> {
      const principal = who();
      const started = performance.now();
      const audit = (outcome: 'ok' | 'error' | 'denied', code?: string) =>
        ctx.audit.record({
          principal: principal.name,
          tool: kind,
          args: kind === 'resources/read' ? { uri: subject } : { name: subject },
          outcome,
          ...(code ? { error_code: code } : {}),
          duration_ms: Math.round(performance.now() - started),
        });
      const downstream = server && mayUse(principal, server) ? ctx.servers().get(server) : undefined;
      if (!downstream) {
        await audit('error', 'NOT_FOUND');
        if (kind === 'prompts/get') throw protocolError(`Unknown prompt: ${subject}`);
        // The spec's resource-not-found answer (SEP-2164): -32602 naming the URI in `data`.
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown resource: ${subject}`, {
          uri: subject,
        });
      }
      const limited = await ctx.rateLimiter.take(principal.name, principal.ratePerMinute);
      if (limited) {
        await audit('denied', limited.code);
        throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `${limited.code}: ${limited.message}`);
      }
      try {
        const result = await run(downstream);
        await audit('ok');
        return result;
      } catch (error) {
        await audit('error', error instanceof FleetError ? error.code : 'UPSTREAM_ERROR');
        throw error instanceof ProtocolError
          ? error
          : new ProtocolError(ProtocolErrorCode.InternalError, `${server}: ${(error as Error).message}`);
      }
    }

    server.setRequestHandler('resources/read', async (request, rctx) => {
      const uri = request.params.uri;
      return relay('resources/read', uri, ctx.passthrough().findResourceServer(uri), (d) =>
        d.readResource(uri, { signal: rctx.mcpReq.signal }),
      );
    });
    server.setRequestHandler('prompts/get', async (request, rctx) => {
      const found = ctx.passthrough().findPrompt(request.params.name);
      return relay('prompts/get', request.params.name, found?.server, (d) =>
        d.getPrompt(found?.prompt ?? '', request.params.arguments, { signal: rctx.mcpReq.signal }),
      );
    });
    ctx.onInstance?.(server);
    return server;
  };
}
