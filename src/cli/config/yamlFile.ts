import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { parseYamlConfig } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
import { type FleetConfig, FleetConfigSchema } from '../../hub/inventory/index.js';
import { CliConfigFileSchema } from './schema.js';
import { applyYamlChanges, type YamlChange } from './yamlSplice.js';

/**
 * Replaces `path` with `text`: a temp file beside it, fsync, rename, so the hub watching the
 * file (or a crash) sees the old file or the new one, never half of one. `mode` applies to a
 * new file; an existing file keeps its own.
 */
export async function writeTextAtomic(path: string, text: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let keep = mode;
  try {
    keep = (await stat(path)).mode & 0o777;
  } catch {
    // a new file
  }
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // 'wx' refuses an existing file at the temp name: a planted symlink must not redirect the write.
    const handle = await open(tmp, 'wx', keep);
    try {
      await handle.writeFile(text);
      await handle.chmod(keep); // open's mode is filtered by the umask
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new FleetError('IO_ERROR', `cannot write ${path}: ${(error as Error).message}`, { file: path });
  }
}

export interface YamlEditOptions<S extends z.ZodType> {
  /** The whole edited file must still be valid against this schema, or nothing is written. */
  schema: S;
  /** Start from this text when the file does not exist (`undefined`: a missing file is an error). */
  initial?: string;
}

/**
 * Edits a YAML file in place, keeping the comments and layout the operator wrote (see
 * `applyYamlChanges`). `plan` sees the current, validated content and says what to change; the
 * result is validated as a whole before it replaces the file, so an edit can never leave a
 * config the hub would refuse. A file that is already invalid is not touched.
 */
export async function editYamlFile<S extends z.ZodType, R>(
  path: string,
  plan: (current: z.output<S>) => { changes: readonly YamlChange[]; result: R },
  options: YamlEditOptions<S>,
): Promise<{ result: R; text: string }> {
  let text: string;
  let existed = true;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    existed = false;
    if (code === 'ENOENT' && options.initial !== undefined) text = options.initial;
    else if (code === 'ENOENT')
      throw new FleetError('CONFIG_NOT_FOUND', `config file not found: ${path}`, { file: path });
    else throw new FleetError('CONFIG_INVALID', `cannot read ${path}: ${(error as Error).message}`);
  }
  const current = parseYamlConfig(options.schema, text, path);
  const { changes, result } = plan(current);
  const next = applyYamlChanges(text, changes);
  try {
    parseYamlConfig(options.schema, next, path);
  } catch (error) {
    const why = error instanceof FleetError ? error.message : String(error);
    throw new FleetError('CONFIG_INVALID', `${path} not changed: the edit would make it invalid: ${why}`, {
      file: path,
    });
  }
  if (next !== text || !existed) await writeTextAtomic(path, next);
  return { result, text: next };
}

/** Edits fleet.yaml, keeping it valid for the hub (which reloads it on change). */
export function editFleetFile<R>(
  path: string,
  plan: (current: FleetConfig) => { changes: readonly YamlChange[]; result: R },
): Promise<{ result: R; text: string }> {
  return editYamlFile(path, plan, { schema: FleetConfigSchema });
}

/**
 * Sets keys of a CLI config file (creating it, mode 0600, when absent), keeping everything else;
 * a value of `undefined` removes the key.
 */
export async function setCliConfigValues(
  path: string,
  values: ReadonlyArray<{ key: readonly string[]; value: string | undefined }>,
): Promise<void> {
  await editYamlFile(
    path,
    () => ({ changes: values.map((v) => ({ path: v.key, value: v.value })), result: undefined }),
    { schema: CliConfigFileSchema, initial: '# mcp-fleet CLI settings (docs/cli.md)\n' },
  );
}
