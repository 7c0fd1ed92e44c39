import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseDocument } from 'yaml';
import { loadYamlConfig, parseYamlConfig } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
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
  /**
   * The config in force, when a running hub reloads: a fleet.yaml with no content is then
   * refused instead of emptying the fleet.
   */
  previous?: FleetConfig;
}

/** Reads and validates fleet.yaml (all problems at once); no file is the empty config. */
export async function readFleetConfig(file: string | null): Promise<FleetConfig> {
  return file ? loadYamlConfig(FleetConfigSchema, file) : FleetConfigSchema.parse({});
}

/**
 * Reads fleet.yaml for the reload of a running hub. A file with no content at all (empty, only
 * blanks and comments, a bare `---`) is refused when the config in force had any: on a running
 * hub that is far likelier a save caught half-way (truncated, not yet written) than a wish to
 * drop every device at once, and taking it would cut the whole fleet until the next save.
 * `devices: {}` says "no devices".
 */
async function readFleetConfigForReload(file: string | null, previous: FleetConfig): Promise<FleetConfig> {
  if (!file || JSON.stringify(previous) === JSON.stringify(FleetConfigSchema.parse({}))) {
    return readFleetConfig(file);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return readFleetConfig(file); // the loader's own "not found" / "cannot read" error
  }
  const doc = parseDocument(text);
  if (doc.errors.length === 0 && doc.toJS() == null) {
    throw new FleetError(
      'CONFIG_INVALID',
      `${file}:1:1: the file is empty; a running hub keeps its inventory (write "devices: {}" for none)`,
      { file },
    );
  }
  return parseYamlConfig(FleetConfigSchema, text, file);
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
      : sources.previous
        ? await readFleetConfigForReload(file, sources.previous)
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
