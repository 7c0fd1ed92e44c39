import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { ConfigProblem, FileLockOptions, FileOwnership } from '../../config/index.js';
import {
  formatProblems,
  parseYamlConfig,
  readTextFile,
  withFileLock,
  writeTextAtomic,
} from '../../config/index.js';
import { FleetError } from '../../errors/index.js';
import { createYamlEditor, type YamlEditor } from './yamlEdit.js';

export interface EditYamlOptions {
  /**
   * The text to start from when the file does not exist; the file (owner-only) and its
   * directory are then made. Without it a missing file is CONFIG_NOT_FOUND.
   */
  initial?: string;
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

/** A new config file: owner-only, like the state files, until the operator decides otherwise. */
const NEW_FILE_MODE = 0o600;

function problemsOf(error: unknown): readonly ConfigProblem[] | undefined {
  return error instanceof FleetError ? (error.data.problems as ConfigProblem[] | undefined) : undefined;
}

/** Validates `text` against `schema`, or throws CONFIG_INVALID saying `why` above every problem. */
function validate<S extends z.ZodType>(schema: S, text: string, file: string, why: string): z.output<S> {
  try {
    return parseYamlConfig(schema, text, file);
  } catch (error) {
    const problems = problemsOf(error);
    if (!problems) throw error;
    throw new FleetError('CONFIG_INVALID', `${why}\n${formatProblems(problems)}`, { file, problems });
  }
}

async function readCurrent(
  file: string,
  initial: string | undefined,
): Promise<{ text: string; owner: FileOwnership | null }> {
  const current = await readTextFile(file);
  if (current) return current;
  if (initial !== undefined) return { text: initial, owner: null };
  throw new FleetError('CONFIG_NOT_FOUND', `config file not found: ${file}`, { file });
}

/**
 * Edits a YAML config file in place, keeping the comments and layout the operator wrote
 * (yamlEdit.ts). `edit` gets an editor on the text and the file's current, validated content;
 * the whole result is validated again before it replaces the file, so an edit can never leave a
 * config the hub (or the CLI) would refuse, and a file already invalid is not touched. The file
 * is replaced atomically (same mode and owner), the previous version kept as `<file>.bak`, and
 * `<file>.lock` is held throughout, so two commands cannot lose one another's change.
 */
export async function editYamlFile<S extends z.ZodType, T>(
  path: string,
  schema: S,
  edit: (editor: YamlEditor, current: z.output<S>) => T | Promise<T>,
  options: EditYamlOptions = {},
): Promise<EditOutcome<T>> {
  // Edit the file a symlink points at: a rename would replace the link with a plain file.
  const file = await realpath(path).catch(() => resolve(path));
  // Before locking: taking the lock makes the file's directory, which only a new file wants.
  if (options.initial === undefined) await readCurrent(file, undefined);
  return withFileLock(
    file,
    async () => {
      const current = await readCurrent(file, options.initial);
      const config = validate(
        schema,
        current.text,
        file,
        `${file} is invalid as it stands; fix it first (nothing was changed)`,
      );
      const editor = createYamlEditor(current.text);
      const result = await edit(editor, config);
      if (editor.text === current.text) return { result, file, changed: false, backup: null };
      validate(schema, editor.text, file, `refused: the change would make ${file} invalid (it is unchanged)`);
      const backup = current.owner ? `${file}.bak` : null;
      if (backup && current.owner) await writeTextAtomic(backup, current.text, current.owner);
      await writeTextAtomic(file, editor.text, current.owner ?? { mode: NEW_FILE_MODE });
      return { result, file, changed: true, backup };
    },
    options.lock,
  );
}
