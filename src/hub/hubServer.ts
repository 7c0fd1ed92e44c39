import { performance } from 'node:perf_hooks';
import { ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server';
import type { AuditSink } from '../audit/index.js';
import { FleetError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import type { ListedTool, ToolCallResult } from '../tools/index.js';
import { canList, evaluateAccess } from './access.js';
import { createCompatTools } from './compat.js';
import type { Fleet } from './fleet.js';
import { callFleetTool, type Principal } from './fleetCall.js';
import type { FleetToolDef } from './fleetTools.js';
import type { FleetConfig } from './inventory/index.js';
import type { RateLimiter } from './rateLimit.js';
import type { DownstreamServer, Passthrough } from './servers/index.js';

export interface HubContext {
  name: string;
  version: string;
  fleet: Fleet;
  config: () => FleetConfig;
  fleetTools: ReadonlyMap<string, FleetToolDef>;
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
  'Look (fleet_status, fleet_logs, fleet_read_file) before changing anything. Tools named <server>__<tool> ' +
  'belong to other MCP servers behind this hub.';

function protocolError(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, message);
}

/**
 * Builds the SDK `Server` for one serving unit (one modern HTTP request, one legacy session, one
 * stdio connection). All state lives in the shared context, so instances are cheap and any of
 * them sees a reloaded inventory at once.
 */
export function createHubServerFactory(ctx: HubContext) {
  function listTools(principal: Principal): ListedTool[] {
    const role = principal.role;
    const own = [...ctx.fleetTools.values()]
      .filter((t) =>
        canList(role, { readOnly: t.wire.annotations.readOnlyHint, hasReadOnlyCalls: t.hasReadOnlyCalls }),
      )
      .map((t) => t.wire);
    const compat =
      ctx.config().compat === 'seed'
        ? [...createCompatTools(ctx.fleet, ctx.fleetTools).values()]
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
        return canList(role, { readOnly, hasReadOnlyCalls: readOnly });
      })
      .map((t) => t.wire as unknown as ListedTool);
    return [...own, ...compat, ...passthrough];
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
    const principalName = authInfo?.clientId ?? 'stdio';
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
      const token = rctx.mcpReq._meta?.progressToken;
      let step = 0;
      const progress =
        token === undefined
          ? undefined
          : (message: string) => {
              step++;
              rctx.mcpReq
                .notify({
                  method: 'notifications/progress',
                  params: { progressToken: token, progress: step, message },
                })
                .catch(() => {});
            };
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
      if (ctx.config().compat === 'seed') {
        const compat = createCompatTools(ctx.fleet, ctx.fleetTools).get(name);
        if (compat) {
          let routed: { tool: string; args: Record<string, unknown> };
          try {
            routed = compat.route(args);
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
      who();
      return { resources: ctx.passthrough().resources() };
    });
    server.setRequestHandler('resources/templates/list', async () => {
      who();
      return { resourceTemplates: ctx.passthrough().resourceTemplates() };
    });
    server.setRequestHandler('resources/read', async (request, rctx) => {
      const principal = who();
      const uri = request.params.uri;
      const owner = ctx.passthrough().findResourceServer(uri);
      const downstream = owner ? ctx.servers().get(owner) : undefined;
      if (!downstream) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown resource: ${uri}`);
      const started = performance.now();
      try {
        const result = await downstream.readResource(uri, { signal: rctx.mcpReq.signal });
        await ctx.audit.record({
          principal: principal.name,
          tool: 'resources/read',
          args: { uri },
          outcome: 'ok',
          duration_ms: Math.round(performance.now() - started),
        });
        return result;
      } catch (error) {
        await ctx.audit.record({
          principal: principal.name,
          tool: 'resources/read',
          args: { uri },
          outcome: 'error',
          error_code: 'UPSTREAM_ERROR',
          duration_ms: Math.round(performance.now() - started),
        });
        throw error instanceof ProtocolError
          ? error
          : new ProtocolError(ProtocolErrorCode.InternalError, `${owner}: ${(error as Error).message}`);
      }
    });
    server.setRequestHandler('prompts/list', async () => {
      who();
      return { prompts: ctx.passthrough().prompts() };
    });
    server.setRequestHandler('prompts/get', async (request, rctx) => {
      const principal = who();
      const found = ctx.passthrough().findPrompt(request.params.name);
      const downstream = found ? ctx.servers().get(found.server) : undefined;
      if (!found || !downstream)
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
      const result = await downstream.getPrompt(found.prompt, request.params.arguments, {
        signal: rctx.mcpReq.signal,
      });
      await ctx.audit.record({
        principal: principal.name,
        tool: 'prompts/get',
        args: { name: request.params.name },
        outcome: 'ok',
        duration_ms: 0,
      });
      return result;
    });
    ctx.onInstance?.(server);
    return server;
  };
}
