import { z } from 'zod';
import { FleetError } from '../errors/index.js';
import type { ListedTool } from '../tools/index.js';
import type { Fleet } from './fleet.js';
import type { DevicesResult, FleetToolDef } from './fleetTools.js';

/**
 * The tool names of the seed documents (`network_resources`, `<device>_admin`, `list_workers`,
 * `get_all_workers_status`, `get_worker_status`), for clients and prompts written against them.
 * Each is a fleet tool with its targets fixed. `<device>_admin` makes the tool list grow with
 * the fleet, which is why this is off unless `compat: seed` is set; devices behind chained
 * hubs (`site/device`) get no `_admin` tool, as `/` is not allowed in tool names.
 */
export interface CompatTool {
  wire: ListedTool;
  /** The fleet tool that answers it, and the arguments it gets. */
  route(raw: unknown, fleet: Fleet): { tool: string; args: Record<string, unknown> };
  /** Reshapes the fleet tool's structured result, where the seed's shape differs. */
  reshape?: (result: Record<string, unknown>) => { structured: Record<string, unknown>; text: string };
}

function schema(s: z.ZodType, io: 'input' | 'output') {
  const json = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return { ...json, type: 'object' as const };
}

const Empty = z.object({}).strict();
const WorkerInput = z.object({ worker_name: z.string().min(1).describe('A device name') }).strict();
const AdminInput = z
  .object({
    command: z.string().min(1).describe('Command line run by /bin/sh -c on the device'),
    timeout_s: z.number().positive().optional(),
  })
  .strict();
const WorkersOutput = z.object({ workers: z.record(z.string(), z.string()) });

function parse<S extends z.ZodType>(s: S, raw: unknown): z.output<S> {
  const parsed = s.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new FleetError(
      'INVALID_ARGUMENT',
      `invalid arguments: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    );
  }
  return parsed.data;
}

export interface Compat {
  /** Every compat tool for this fleet (`<device>_admin` follows the inventory). */
  tools(fleet: Fleet): Map<string, CompatTool>;
  /** One compat tool by name, without building the others (the call path). */
  find(name: string, fleet: Fleet): CompatTool | undefined;
}

/** Schemas are converted once here; listing and calling only assemble precomputed parts. */
export function createCompat(fleetTools: ReadonlyMap<string, FleetToolDef>): Compat {
  const fixed = new Map<string, CompatTool>();
  const statusWire = fleetTools.get('fleet_status')?.wire;
  const devicesWire = fleetTools.get('fleet_devices')?.wire;
  const execWire = fleetTools.get('fleet_exec')?.wire;
  const read = { readOnlyHint: true, destructiveHint: false, idempotentHint: true };
  const write = { readOnlyHint: false, destructiveHint: true, idempotentHint: false };
  const tool = (
    name: string,
    description: string,
    inputSchema: ListedTool['inputSchema'],
    outputSchema: ListedTool['outputSchema'],
    annotations = read,
  ): ListedTool => ({
    name,
    title: name,
    description,
    inputSchema,
    outputSchema,
    annotations: { title: name, ...annotations },
  });
  const emptyIn = schema(Empty, 'input');
  const adminIn = schema(AdminInput, 'input');
  const exactDevice = (name: string, fleet: Fleet) => {
    if (!fleet.device(name)) throw new FleetError('NOT_FOUND', `no device named ${name}`);
    return name;
  };

  if (statusWire && devicesWire && execWire) {
    fixed.set('network_resources', {
      wire: tool(
        'network_resources',
        'The known hosts of the network (seed name of fleet_devices).',
        emptyIn,
        devicesWire.outputSchema,
      ),
      route: (raw) => {
        parse(Empty, raw);
        return { tool: 'fleet_devices', args: {} };
      },
    });
    fixed.set('list_workers', {
      wire: tool(
        'list_workers',
        'Configured workers and their addresses (seed name).',
        emptyIn,
        schema(WorkersOutput, 'output'),
      ),
      route: (raw) => {
        parse(Empty, raw);
        return { tool: 'fleet_devices', args: {} };
      },
      reshape(result) {
        const devices = (result as DevicesResult).devices ?? [];
        const workers = Object.fromEntries(devices.map((d) => [d.name, d.address ?? d.connector]));
        return { structured: { workers }, text: JSON.stringify({ workers }) };
      },
    });
    fixed.set('get_all_workers_status', {
      wire: tool(
        'get_all_workers_status',
        'Status of every worker (seed name of fleet_status on all).',
        emptyIn,
        statusWire.outputSchema,
      ),
      route: (raw) => {
        parse(Empty, raw);
        return { tool: 'fleet_status', args: { targets: 'all' } };
      },
    });
    fixed.set('get_worker_status', {
      wire: tool(
        'get_worker_status',
        'Status of one worker (seed name of fleet_status).',
        schema(WorkerInput, 'input'),
        statusWire.outputSchema,
      ),
      route: (raw, fleet) => ({
        tool: 'fleet_status',
        args: { targets: exactDevice(parse(WorkerInput, raw).worker_name, fleet) },
      }),
    });
  }

  function admin(device: string): CompatTool | undefined {
    if (!execWire || device.includes('/')) return undefined;
    const name = `${device}_admin`;
    return {
      wire: tool(
        name,
        `Run a command on ${device} (seed name of fleet_exec).`,
        adminIn,
        execWire.outputSchema,
        write,
      ),
      route: (raw) => ({ tool: 'fleet_exec', args: { ...parse(AdminInput, raw), targets: device } }),
    };
  }

  return {
    tools(fleet) {
      const out = new Map(fixed);
      for (const device of fleet.devices()) {
        const t = admin(device.name);
        if (t) out.set(t.wire.name, t);
      }
      return out;
    },
    find(name, fleet) {
      const known = fixed.get(name);
      if (known) return known;
      const device = name.endsWith('_admin') ? name.slice(0, -'_admin'.length) : undefined;
      return device && fleet.device(device) ? admin(device) : undefined;
    },
  };
}
