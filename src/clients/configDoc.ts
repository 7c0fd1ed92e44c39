import type { ClientLocation, FileFormat } from './catalog.js';
import { type JsonFlavor, readJsonEntries, removeJsonEntry, setJsonEntry } from './jsonEdit.js';
import { readTomlEntries, removeTomlEntry, setTomlEntry } from './tomlEdit.js';

/**
 * One interface over the JSON, JSONC and TOML editors, for a client location: read the
 * server map, set one entry, remove one entry. Pure text in, text out; reading and writing
 * the file is configFile.ts's job.
 */

/** What an install created, so the matching remove can take exactly that away again. */
export interface CreatedShape {
  /** JSON: path of the outermost object the install created (`[]`: the whole document). */
  createdPath?: string[];
  /** TOML, or JSON of comments only: the file had no final newline and got one. */
  addedFinalNewline?: boolean;
}

export interface SetResult {
  text: string;
  created: CreatedShape;
}

export interface RemoveResult {
  text: string;
  /** The file holds nothing but what install created, now removed: delete it. */
  deleteFile: boolean;
}

export interface ConfigDoc {
  /** The server map (undefined when the file has none); CONFIG_INVALID when unreadable. */
  entries(text: string): Record<string, unknown> | undefined;
  set(text: string, name: string, entry: Record<string, unknown>): SetResult;
  remove(text: string, name: string, created: CreatedShape | undefined, fileCreated: boolean): RemoveResult;
}

const FLAVORS: Record<Exclude<FileFormat, 'toml'>, JsonFlavor> = {
  json: { comments: false, trailingCommas: false },
  'json-comments': { comments: true, trailingCommas: false },
  jsonc: { comments: true, trailingCommas: true },
};

export function configDoc(location: ClientLocation): ConfigDoc {
  const { file, format, serversPath } = location;
  if (format === 'toml') {
    const table = serversPath[0] as string;
    return {
      entries: (text) => readTomlEntries(text, file, table),
      set: (text, name, entry) => {
        const result = setTomlEntry(text, file, table, name, entry);
        return { text: result.text, created: result.addedFinalNewline ? { addedFinalNewline: true } : {} };
      },
      remove: (text, name, created, fileCreated) => {
        const next = removeTomlEntry(text, file, table, name, created?.addedFinalNewline === true);
        return { text: next, deleteFile: fileCreated && next.trim() === '' };
      },
    };
  }
  const flavor = FLAVORS[format];
  return {
    entries: (text) => readJsonEntries(text, file, flavor, serversPath),
    set: (text, name, entry) => {
      const result = setJsonEntry(text, file, flavor, serversPath, name, entry);
      return {
        text: result.text,
        created: {
          ...(result.createdPath ? { createdPath: result.createdPath } : {}),
          ...(result.addedFinalNewline ? { addedFinalNewline: true } : {}),
        },
      };
    },
    remove: (text, name, created, fileCreated) => {
      const createdPath = fileCreated ? [] : (created?.createdPath ?? null);
      const result = removeJsonEntry(
        text,
        file,
        flavor,
        serversPath,
        name,
        createdPath,
        created?.addedFinalNewline === true,
      );
      // A document install wrote goes back to what was there (or away, if install made the file).
      return {
        text: result.text,
        deleteFile: result.emptyCreatedDocument && fileCreated && result.text === '',
      };
    },
  };
}
