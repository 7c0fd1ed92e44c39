import { dirname } from 'node:path';
import { loadYamlConfig, parseYamlConfig } from '../../config/index.js';
import { type Policy, PolicySchema } from '../../policy/index.js';
import type { BecomeRules } from '../../ssh/index.js';
import { type Credential, resolveCredential } from './credentials.js';
import { type FleetConfig, FleetConfigSchema } from './schema.js';
import { type ResolvedSsh, resolveSsh } from './sshSettings.js';

/** How the hub reaches a device. */
export type Connector =
  | { kind: 'agent'; url: string; credential: Credential }
  | { kind: 'local'; policy: Policy }
  | { kind: 'ssh'; ssh: ResolvedSsh; policy: Policy; become?: BecomeRules; agentCommand?: string }
  | { kind: 'chained'; hub: string; remote: string };

export interface InventoryDevice {
  name: string;
  tags: string[];
  /** Where the hub learnt of it: fleet.yaml, enrollment, a chained hub, or `mcp-fleet up`. */
  source: 'config' | 'enrolled' | 'chained' | 'builtin';
  description?: string;
  timeoutMs?: number;
  connector: Connector;
}

/** An enrolled device as the state directory keeps it (see hub/enroll). */
export interface EnrolledEntry {
  url: string;
  credential: string;
  tags: string[];
}

/** The static part of the fleet: fleet.yaml plus enrolled devices (chained hubs add theirs at run time). */
export interface Inventory {
  config: FleetConfig;
  /** Where fleet.yaml was read from (`null`: built in, as for `mcp-fleet up` without a file). */
  file: string | null;
  devices: Map<string, InventoryDevice>;
}

export interface InventorySources {
  /** fleet.yaml path, or `null` for an empty config. */
  file: string | null;
  /** Text instead of reading `file` (tests, built-in configs). */
  text?: string;
  /** A config already read from `file` (see readFleetConfig), so it is not read twice. */
  config?: FleetConfig;
  env: NodeJS.ProcessEnv;
  enrolled?: Readonly<Record<string, EnrolledEntry>>;
  /** Adds this machine as an in-process device with this name (`mcp-fleet up`). */
  localDevice?: string;
}

/** Reads and validates fleet.yaml (all problems at once); no file is the empty config. */
export async function readFleetConfig(file: string | null): Promise<FleetConfig> {
  return file ? loadYamlConfig(FleetConfigSchema, file) : FleetConfigSchema.parse({});
}

/**
 * Reads and validates fleet.yaml (all problems at once, with file, line and field) and joins
 * the enrolled devices to it. A name used by both is kept from fleet.yaml: the file an
 * operator wrote wins over a registration.
 */
export async function loadInventory(sources: InventorySources): Promise<Inventory> {
  const file = sources.file;
  const config =
    sources.config ??
    (sources.text !== undefined
      ? parseYamlConfig(FleetConfigSchema, sources.text, file ?? '(built-in)')
      : await readFleetConfig(file));
  const baseDir = file ? dirname(file) : process.cwd();
  const devices = new Map<string, InventoryDevice>();
  if (sources.localDevice && !config.devices[sources.localDevice]) {
    devices.set(sources.localDevice, {
      name: sources.localDevice,
      tags: ['local'],
      source: 'builtin',
      description: 'this machine, served in-process by the hub',
      connector: { kind: 'local', policy: PolicySchema.parse({}) },
    });
  }
  for (const [name, spec] of Object.entries(config.devices)) {
    let connector: Connector;
    if (spec.local) connector = { kind: 'local', policy: spec.policy ?? PolicySchema.parse({}) };
    else if (spec.ssh) {
      connector = {
        kind: 'ssh',
        ssh: await resolveSsh(name, spec.ssh, config.devices, { env: sources.env, baseDir }),
        policy: spec.policy ?? PolicySchema.parse({}),
        ...(spec.become ? { become: { commands: spec.become.commands, units: spec.become.units } } : {}),
        ...(spec.agent_command ? { agentCommand: spec.agent_command } : {}),
      };
    } else {
      connector = {
        kind: 'agent',
        url: spec.url ?? '',
        credential: await resolveCredential(spec, sources.env, baseDir),
      };
    }
    devices.set(name, {
      name,
      tags: spec.tags,
      source: 'config',
      ...(spec.description ? { description: spec.description } : {}),
      ...(spec.timeout_s ? { timeoutMs: spec.timeout_s * 1000 } : {}),
      connector,
    });
  }
  for (const [name, entry] of Object.entries(sources.enrolled ?? {})) {
    if (devices.has(name)) continue;
    devices.set(name, {
      name,
      tags: entry.tags,
      source: 'enrolled',
      connector: { kind: 'agent', url: entry.url, credential: { token: entry.credential } },
    });
  }
  return { config, file, devices };
}
