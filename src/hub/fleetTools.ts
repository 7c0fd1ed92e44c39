import { z } from 'zod';
import { FleetError } from '../errors/index.js';
import type { AnyToolDef, ListedTool, ToolCallResult, ToolCatalog } from '../tools/index.js';
import type { Fleet } from './fleet.js';
import {
  agentError,
  type CallPlan,
  type FleetCallDeps,
  type FleetCallOptions,
  requestedMs,
  runPlannedCall,
} from './fleetCall.js';
import type { Connector, ResolvedSsh } from './inventory/index.js';
import { devicesSummary, renderDevices } from './render.js';

/** The agent tool each fleet tool lifts to many devices. */
export const FLEET_TOOL_FOR = {
  fleet_status: 'system_status',
  fleet_exec: 'exec',
  fleet_read_file: 'read_file',
  fleet_write_file: 'write_file',
  fleet_list_dir: 'list_dir',
  fleet_service: 'service',
  fleet_logs: 'logs',
  fleet_processes: 'processes',
  fleet_tmux: 'tmux',
} as const;

export type LiftedToolName = keyof typeof FLEET_TOOL_FOR;

const TARGETS_HELP =
  'Devices: a name, a glob (pi-*), tag:x, group:y or all; comma lists; !x excludes, &x intersects.';

export const FleetEntrySchema = z.object({
  device: z.string(),
  ok: z.boolean(),
  duration_ms: z.number(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/**
 * One result per device. `result` is the agent tool's own structured output (the same schema
 * as the agent's tool): it is left open here because a fleet may run agents of several
 * versions, and one older agent must not make the whole fan-out fail the client's validation.
 */
export const FleetResultSchema = z.object({
  summary: z.string(),
  tool: z.string(),
  targets: z.string(),
  results: z.array(FleetEntrySchema),
});
export type FleetResult = z.output<typeof FleetResultSchema>;
export type FleetEntry = z.output<typeof FleetEntrySchema>;

export const DeviceInfoSchema = z.object({
  name: z.string(),
  tags: z.array(z.string()),
  source: z.enum(['config', 'enrolled', 'chained', 'builtin']),
  connector: z.string(),
  address: z.string().nullable(),
  description: z.string().nullable(),
  state: z.enum(['unknown', 'up', 'degraded', 'down']),
  since: z.string().nullable(),
  last_seen: z.string().nullable(),
  latency_ms: z.number().nullable(),
  last_error: z.string().nullable(),
});
export const DevicesResultSchema = z.object({ summary: z.string(), devices: z.array(DeviceInfoSchema) });
export type DeviceInfo = z.output<typeof DeviceInfoSchema>;
export type DevicesResult = z.output<typeof DevicesResultSchema>;

/** A fleet tool as the hub lists and dispatches it. */
export interface FleetToolDef {
  wire: ListedTool;
  /** The agent tool it runs on each device; `null` for fleet_devices, which the hub answers itself. */
  agentTool: string | null;
  agentDef?: AnyToolDef;
  /** Splits and validates arguments once at the hub, rather than once per device. */
  parse(raw: unknown): { targets: string; deviceArgs: Record<string, unknown> };
  isReadOnlyCall(deviceArgs: Record<string, unknown>): boolean;
  /** Whether some call of the tool only reads (a viewer sees such tools). */
  hasReadOnlyCalls: boolean;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return { ...json, type: 'object' as const };
}

function zodIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`)
    .join('; ');
}

function splitTargets(raw: unknown, required: boolean): { targets: string; rest: Record<string, unknown> } {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    throw new FleetError('INVALID_ARGUMENT', 'invalid arguments: expected an object');
  }
  const { targets, ...rest } = (raw ?? {}) as Record<string, unknown>;
  if (targets === undefined && !required) return { targets: 'all', rest };
  if (typeof targets !== 'string' || targets.trim() === '') {
    throw new FleetError('INVALID_ARGUMENT', `invalid arguments: targets: ${TARGETS_HELP}`);
  }
  return { targets, rest };
}

/**
 * Builds the fleet tools from the agent's catalogue: each takes the agent tool's arguments
 * plus `targets`, and returns one entry per device. Schemas are computed here, once.
 */
export function createFleetTools(catalog: ToolCatalog): Map<string, FleetToolDef> {
  const everything = { systemd: true, journald: true, tmux: true };
  const agentWire = new Map(catalog.list(everything).map((t) => [t.name, t]));
  const resultSchema = jsonSchema(FleetResultSchema, 'output');
  const tools = new Map<string, FleetToolDef>();

  const devicesInput = z
    .object({ targets: z.string().min(1).optional().describe(`${TARGETS_HELP} Default all.`) })
    .strict();
  tools.set('fleet_devices', {
    wire: {
      name: 'fleet_devices',
      title: 'Fleet devices',
      description:
        'The devices this hub reaches, with tags, connector and presence (up, degraded, down, unknown; last seen, ' +
        'latency, last error). Start here to learn names, tags and groups for targets.',
      inputSchema: jsonSchema(devicesInput, 'input'),
      outputSchema: jsonSchema(DevicesResultSchema, 'output'),
      annotations: {
        title: 'Fleet devices',
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
      },
    },
    agentTool: null,
    parse(raw) {
      const parsed = devicesInput.safeParse(raw ?? {});
      if (!parsed.success)
        throw new FleetError('INVALID_ARGUMENT', `invalid arguments: ${zodIssues(parsed.error)}`);
      return { targets: parsed.data.targets ?? 'all', deviceArgs: {} };
    },
    isReadOnlyCall: () => true,
    hasReadOnlyCalls: true,
  });

  for (const [fleetName, agentName] of Object.entries(FLEET_TOOL_FOR)) {
    const def = catalog.tools.get(agentName);
    const wire = agentWire.get(agentName);
    if (!def || !wire) continue;
    const input = wire.inputSchema as { properties?: Record<string, unknown>; required?: string[] };
    const title = `${def.title} (fleet)`;
    tools.set(fleetName, {
      wire: {
        name: fleetName,
        title,
        description: `${def.description} On every device the targets select, in parallel; one result per device.`,
        inputSchema: {
          ...wire.inputSchema,
          properties: { targets: { type: 'string', description: TARGETS_HELP }, ...(input.properties ?? {}) },
          required: ['targets', ...(input.required ?? [])],
        },
        outputSchema: resultSchema,
        annotations: { ...def.annotations, title, openWorldHint: true },
      },
      agentTool: agentName,
      agentDef: def,
      parse(raw) {
        const { targets, rest } = splitTargets(raw, true);
        const parsed = def.input.safeParse(rest);
        if (!parsed.success)
          throw new FleetError('INVALID_ARGUMENT', `invalid arguments: ${zodIssues(parsed.error)}`);
        // The raw arguments travel on: each device validates them again against its own schema.
        return { targets, deviceArgs: rest };
      },
      isReadOnlyCall(deviceArgs) {
        const parsed = def.input.safeParse(deviceArgs);
        return parsed.success
          ? (def.isReadOnlyCall?.(parsed.data) ?? def.annotations.readOnlyHint)
          : def.annotations.readOnlyHint;
      },
      hasReadOnlyCalls: def.annotations.readOnlyHint || def.isReadOnlyCall !== undefined,
    });
  }
  return tools;
}

/** Splits and checks a fleet tool's arguments once at the hub, and says what runs on each device. */
export function planFleetCall(def: FleetToolDef, raw: unknown): CallPlan {
  const parsed = def.parse(raw);
  const tool = def.agentTool;
  const args = parsed.deviceArgs;
  const base = { targets: parsed.targets, readOnly: def.isReadOnlyCall(args) };
  if (tool === null) {
    return {
      ...base,
      answer: (allowed, fleet) => {
        const devices = allowed.map((n) => deviceInfo(fleet, n));
        const output: DevicesResult = { summary: devicesSummary(devices), devices };
        return { content: [{ type: 'text', text: renderDevices(devices) }], structuredContent: output };
      },
    };
  }
  return {
    ...base,
    work: {
      requestedMs: [requestedMs(args)],
      async run(call) {
        const result = await call(tool, args);
        if (result.isError) return { text: '', error: agentError(result) };
        const text = result.content.map((c) => c.text).join('\n');
        return { text, ...(result.structuredContent ? { result: result.structuredContent } : {}) };
      },
    },
  };
}

/** One upstream call of a fleet tool (see `runPlannedCall`). */
export function callFleetTool(
  def: FleetToolDef,
  raw: unknown,
  options: FleetCallOptions,
  deps: FleetCallDeps,
): Promise<ToolCallResult> {
  return runPlannedCall(def.wire.name, raw, () => planFleetCall(def, raw), options, deps);
}

function deviceInfo(fleet: Fleet, name: string): DeviceInfo {
  const d = fleet.device(name);
  const h = fleet.health.get(name);
  const c = d?.connector;
  return {
    name,
    tags: d?.tags ?? [],
    source: d?.source ?? 'config',
    connector: c?.kind ?? 'unknown',
    address: addressOf(c),
    description: d?.description ?? null,
    state: h?.state ?? 'unknown',
    since: h?.since ?? null,
    last_seen: h?.last_seen ?? null,
    latency_ms: h?.latency_ms === null || h?.latency_ms === undefined ? null : Math.round(h.latency_ms),
    last_error: h?.last_error ?? null,
  };
}

/** Where a device is reached, for the listing; never a credential. */
function addressOf(c: Connector | undefined): string | null {
  if (c?.kind === 'agent') return c.url;
  if (c?.kind === 'chained') return `${c.hub}:${c.remote}`;
  if (c?.kind === 'ssh') {
    const hops: string[] = [];
    for (let hop: ResolvedSsh | undefined = c.ssh.via; hop; hop = hop.via) hops.unshift(hop.device);
    const target = `ssh://${c.ssh.user}@${c.ssh.host}:${c.ssh.port}`;
    return `${target}${hops.length ? ` via ${hops.join(' → ')}` : ''}${c.agentCommand ? ' (agent)' : ''}`;
  }
  return null;
}
