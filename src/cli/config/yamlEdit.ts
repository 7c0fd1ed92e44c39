import { isDeepStrictEqual } from 'node:util';
import { FleetError } from '../../errors/index.js';
import { getIn, parseYaml, spliceDelete, spliceSet, type YamlPath } from './yamlSplice.js';

/**
 * Comment-preserving edits of YAML text that are checked before anyone sees them: each splice
 * (yamlSplice.ts) must leave a text that means exactly the old one with that one change,
 * compared as plain data, or the edit is refused and the operator edits by hand. The check is
 * cheap next to the harm it prevents: a splicing mistake (a quote left off, an entry cut at the
 * wrong line) would otherwise be written to a config the hub acts on.
 */

/**
 * `value` as the YAML written for it reads back: keys holding `undefined` are left out. Always a
 * fresh copy: toJS gives an anchor and its aliases one shared object, which must not be changed
 * through one another.
 */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : plain(item)));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, plain(v)]),
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What the document must mean after the change: its old meaning, changed at `path` only. */
function meaningAfter(text: string, path: YamlPath, change: { value: unknown } | 'delete'): unknown {
  const root = plain(parseYaml(text).toJS());
  const parentPath = path.slice(0, -1);
  const key = path.at(-1) ?? '';
  if (change === 'delete') {
    let parent = root;
    for (const k of parentPath) parent = isRecord(parent) ? parent[k] : undefined;
    if (isRecord(parent)) delete parent[key];
    return root;
  }
  const top = isRecord(root) ? root : {};
  let parent = top;
  for (const k of parentPath) {
    const next = parent[k];
    if (isRecord(next)) parent = next;
    else {
      const made: Record<string, unknown> = {};
      parent[k] = made;
      parent = made;
    }
  }
  parent[key] = plain(change.value);
  return top;
}

/** The splice's result, when it means what the change asks and nothing else. */
function checked(
  before: string,
  after: string,
  path: YamlPath,
  change: { value: unknown } | 'delete',
): string {
  let meaning: unknown;
  try {
    meaning = parseYaml(after).toJS();
  } catch {
    meaning = Symbol('unparseable');
  }
  if (!isDeepStrictEqual(meaning, meaningAfter(before, path, change))) {
    throw new FleetError(
      'USAGE',
      `cannot change ${path.join('.')} in place without disturbing the YAML around it; edit it by hand`,
      { path: path.join('.') },
    );
  }
  return after;
}

/**
 * Sets the value at `path` (a chain of map keys) and returns the new text. An existing entry is
 * replaced where it stands; a new one goes after the last entry of its map; missing parent maps
 * are created. Text outside the entry is untouched.
 */
export function setIn(text: string, path: YamlPath, value: unknown): string {
  return checked(text, spliceSet(text, path, value), path, { value });
}

/**
 * Removes the entry at `path` and returns the new text (the same text when there is none).
 * Comments above the entry stay: they may introduce more than it. A map left empty becomes `{}`.
 */
export function deleteIn(text: string, path: YamlPath): string {
  const after = spliceDelete(text, path);
  return after === text ? text : checked(text, after, path, 'delete');
}

/**
 * Edits to a YAML text by path of map keys. Each edit rewrites only the entry it names, so
 * comments and formatting elsewhere stay byte for byte.
 */
export interface YamlEditor {
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

export function createYamlEditor(original: string): YamlEditor {
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
