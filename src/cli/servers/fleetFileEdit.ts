import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ConfigProblem, FileLockOptions } from '../../config/index.js';
import { formatProblems, parseYamlConfig, withFileLock } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
import { type FleetConfig, FleetConfigSchema } from '../../hub/inventory/index.js';
import { type FileOwnership, writeTextAtomic } from './atomicText.js';
import { deleteIn, getIn, setIn, type YamlPath } from './yamlSplice.js';

/**
 * The fleet.yaml a command edits: `--config`, else MCP_FLEET_HUB_CONFIG (what `mcp-fleet hub`
 * reads), else ~/.config/mcp-fleet/fleet.yaml (what `mcp-fleet up` reads). MCP_FLEET_CONFIG is
 * not consulted: it names the agent's agent.yaml.
 */
export function fleetFilePath(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  home: string = homedir(),
): string {
  const chosen = flag ?? env.MCP_FLEET_HUB_CONFIG;
  if (chosen) return resolve(chosen);
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'mcp-fleet', 'fleet.yaml');
}

/**
 * Edits to fleet.yaml's text by path of map keys. Each edit rewrites only the entry it names
 * (see yamlSplice.ts), so comments and formatting elsewhere stay byte for byte.
 */
export interface FleetEditor {
  /** The text with the edits so far. */
  readonly text: string;
  /** The plain value at `path`; `undefined` when absent. */
  get(path: YamlPath): unknown;
  has(path: YamlPath): boolean;
  /** Replaces the entry at `path` where it stands, or adds it after its map's last entry. */
  set(path: YamlPath, value: unknown): void;
  /** Removes the entry at `path`; false when there was none. */
  delete(path: YamlPath): boolean;
}

export function createFleetEditor(original: string): FleetEditor {
  let text = original;
  return {
    get text() {
      return text;
    },
    get: (path) => getIn(text, path),
    has: (path) => getIn(text, path) !== undefined,
    set(path, value) {
      text = setIn(text, path, value);
    },
    delete(path) {
      const next = deleteIn(text, path);
      const changed = next !== text;
      text = next;
      return changed;
    },
  };
}

export interface EditFleetOptions {
  /** Start from an empty file when there is none (the directory is made too). */
  create?: boolean;
  lock?: FileLockOptions;
}

export interface EditOutcome<T> {
  result: T;
  /** The file written (a symlink's target). */
  file: string;
  changed: boolean;
  /** The previous version, kept beside it; `null` when nothing was replaced. */
  backup: string | null;
}

/** A new fleet.yaml: owner-only, like the state files, until the operator decides otherwise. */
const NEW_FILE_MODE = 0o600;

function problemsOf(error: unknown): readonly ConfigProblem[] | undefined {
  return error instanceof FleetError ? (error.data.problems as ConfigProblem[] | undefined) : undefined;
}

/** Validates fleet.yaml text as the hub would load it; CONFIG_INVALID lists every problem. */
export function validateFleetText(text: string, file: string): FleetConfig {
  return parseYamlConfig(FleetConfigSchema, text, file);
}

/**
 * Reads fleet.yaml, lets `edit` change it, validates the whole result as the hub would, and
 * replaces the file atomically (same mode and owner), keeping the previous version as
 * `<file>.bak`. An invalid result is refused with its problems and the file is not touched.
 * Holds `<file>.lock` throughout, so two commands cannot lose one another's change.
 */
export async function editFleetFile<T>(
  path: string,
  edit: (editor: FleetEditor) => T | Promise<T>,
  options: EditFleetOptions = {},
): Promise<EditOutcome<T>> {
  // Edit the file a symlink points at: a rename would replace the link with a plain file.
  const file = await realpath(path).catch(() => resolve(path));
  if (options.create) await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Before locking: taking the lock would create the directory of a file that does not exist.
  else await readCurrent(file, false);
  return withFileLock(
    file,
    async () => {
      const current = await readCurrent(file, options.create === true);
      if (current.text.trim() !== '') {
        try {
          validateFleetText(current.text, file);
        } catch (error) {
          const problems = problemsOf(error);
          if (!problems) throw error;
          throw new FleetError(
            'CONFIG_INVALID',
            `${file} is invalid as it stands; fix it first (nothing was changed)\n${formatProblems(problems)}`,
            { file, problems },
          );
        }
      }
      const editor = createFleetEditor(current.text);
      const result = await edit(editor);
      if (editor.text === current.text) return { result, file, changed: false, backup: null };
      try {
        validateFleetText(editor.text, file);
      } catch (error) {
        const problems = problemsOf(error);
        if (!problems) throw error;
        throw new FleetError(
          'CONFIG_INVALID',
          `refused: the change would make ${file} invalid (it is unchanged)\n${formatProblems(problems)}`,
          { file, problems },
        );
      }
      const backup = current.owner ? `${file}.bak` : null;
      try {
        if (backup && current.owner) await writeTextAtomic(backup, current.text, current.owner);
        await writeTextAtomic(file, editor.text, current.owner ?? { mode: NEW_FILE_MODE });
      } catch (error) {
        throw new FleetError('CONFIG_INVALID', `cannot write ${file}: ${(error as Error).message}`, { file });
      }
      return { result, file, changed: true, backup };
    },
    options.lock,
  );
}

async function readCurrent(
  file: string,
  create: boolean,
): Promise<{ text: string; owner: FileOwnership | null }> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { text, owner: { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid } };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && create) return { text: '', owner: null };
    if (code === 'ENOENT') {
      throw new FleetError('CONFIG_NOT_FOUND', `config file not found: ${file}`, { file });
    }
    throw new FleetError('CONFIG_INVALID', `cannot read ${file}: ${(error as Error).message}`, { file });
  }
}

/** fleet.yaml as the hub would load it, or `null` when there is no such file. */
export async function readFleetFile(path: string): Promise<FleetConfig | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new FleetError('CONFIG_INVALID', `cannot read ${path}: ${(error as Error).message}`, {
      file: path,
    });
  }
  return validateFleetText(text, path);
}
