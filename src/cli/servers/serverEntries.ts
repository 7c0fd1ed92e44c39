import type { z } from 'zod';
import type { FileLockOptions } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
import { ServerName, ServerSchema } from '../../hub/inventory/schema.js';
import { type EditOutcome, editFleetFile, readFleetFile } from '../config/index.js';

/** A `servers.<name>` entry as it is written to fleet.yaml (defaults left out). */
export type ServerSpec = z.input<typeof ServerSchema>;

/** One server as `servers list` shows it, with the hub's defaults applied. */
export interface ServerEntry {
  name: string;
  kind: 'stdio' | 'http';
  /** The command and its arguments (stdio), or the URL (http). */
  command: string | null;
  args: string[];
  url: string | null;
  enabled: boolean;
  tools: { include: string[] | null; exclude: string[] };
  description: string | null;
}

const path = (name: string) => ['servers', name] as const;

/** Checks a server name the way fleet.yaml does, so the error names the rule rather than a line. */
export function checkServerName(name: string): void {
  const parsed = ServerName.safeParse(name);
  if (!parsed.success) {
    throw new FleetError('USAGE', `invalid server name "${name}": ${parsed.error.issues[0]?.message ?? ''}`, {
      name,
    });
  }
}

/** Checks an entry on its own before the file is touched: the message names the flag's field. */
export function checkServerSpec(name: string, spec: ServerSpec): void {
  const parsed = ServerSchema.safeParse(spec);
  if (parsed.success) return;
  const problems = parsed.error.issues.map(
    (i) => `${[...path(name), ...i.path.map(String)].join('.')}: ${i.message}`,
  );
  throw new FleetError('USAGE', `invalid server ${name}\n${problems.join('\n')}`, { name, problems });
}

export interface AddServerOptions {
  /** Replace an entry of the same name (otherwise that is an error). */
  force?: boolean;
  lock?: FileLockOptions;
}

/** Adds `servers.<name>` to fleet.yaml (creating the file if need be); true in `result` when it replaced one. */
export async function addServer(
  file: string,
  name: string,
  spec: ServerSpec,
  options: AddServerOptions = {},
): Promise<EditOutcome<{ replaced: boolean }>> {
  checkServerName(name);
  checkServerSpec(name, spec);
  return editFleetFile(
    file,
    (editor) => {
      const replaced = editor.has(path(name));
      if (replaced && !options.force) {
        throw new FleetError('USAGE', `${file} already has a server named ${name} (--force replaces it)`, {
          name,
        });
      }
      editor.set(path(name), spec);
      return { replaced };
    },
    { initial: '', ...(options.lock ? { lock: options.lock } : {}) },
  );
}

function missing(file: string, name: string): FleetError {
  return new FleetError('USAGE', `${file} has no server named ${name}`, { name });
}

/** Removes `servers.<name>`; an error when there is none. */
export async function removeServer(file: string, name: string): Promise<EditOutcome<void>> {
  return editFleetFile(file, (editor) => {
    if (!editor.delete(path(name))) throw missing(file, name);
  });
}

/**
 * Sets `enabled` of `servers.<name>`. Enabling an entry that never said `enabled` changes
 * nothing (the default is enabled); otherwise only that one value is rewritten.
 */
export async function setServerEnabled(
  file: string,
  name: string,
  enabled: boolean,
): Promise<EditOutcome<{ was: boolean }>> {
  return editFleetFile(file, (editor) => {
    if (!editor.has(path(name))) throw missing(file, name);
    const current = editor.get([...path(name), 'enabled']);
    const was = current !== false;
    if (was !== enabled) editor.set([...path(name), 'enabled'], enabled);
    return { was };
  });
}

/** The servers of fleet.yaml, by name; empty when the file does not exist. */
export async function listServers(file: string): Promise<ServerEntry[]> {
  const config = await readFleetFile(file);
  if (!config) return [];
  return Object.entries(config.servers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, s]) => ({
      name,
      kind: s.command ? 'stdio' : 'http',
      command: s.command ?? null,
      args: s.args,
      url: s.url ?? null,
      enabled: s.enabled,
      tools: { include: s.tools.include ?? null, exclude: s.tools.exclude },
      description: s.description ?? null,
    }));
}
