import {
  applyEdits,
  getNodeValue,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import { FleetError } from '../errors/index.js';
import { deleteMember, insertMember, layoutOf, lineIndent, pretty } from './jsonMembers.js';

/**
 * Edits one entry of a JSON or JSONC document as text, leaving every other byte alone
 * (comments, key order, indentation, trailing commas). jsonc-parser gives the syntax tree
 * with offsets and applies the edits; the edits themselves are computed here, because
 * `modify` re-formats every line an edit touches (a neighbour's inline object, the spacing
 * before a trailing comment), which would make install-then-remove lose bytes.
 *
 * Round trip: an insert puts `,<eol><indent>"name": value` right after the last member (or
 * fills an empty `{}`), and a remove of that last member deletes exactly from the end of the
 * previous member to its end, so remove after install gives the original bytes back. Removing
 * any other member deletes only its own text — its line(s), its comma and a comment on its
 * line — never a comment between members, which may belong to a neighbour.
 *
 * A document holding nothing but comments and whitespace keeps them: the new object goes
 * after them (after a line end, which is added and remembered if missing), and removing it
 * gives those bytes back. A UTF-8 byte order mark is set aside for parsing (jsonc-parser
 * refuses it) and kept in front of the result.
 */

const BOM = '\ufeff';

/** The byte order mark (or '') and the text after it; offsets and line/column refer to the latter. */
function splitBom(text: string): [string, string] {
  return text.startsWith(BOM) ? [BOM, text.slice(BOM.length)] : ['', text];
}

export interface JsonFlavor {
  comments: boolean;
  trailingCommas: boolean;
}

/** The outermost object a `setJsonEntry` created, so `removeJsonEntry` can take it away again. */
export interface JsonInsertResult {
  text: string;
  /** Path of the outermost object it created (`[]`: the whole document), or null. */
  createdPath: string[] | null;
  /** A document of comments only had no final line end and got one before the new object. */
  addedFinalNewline?: boolean;
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

function invalid(file: string, text: string, offset: number, what: string): FleetError {
  const { line, column } = position(text, offset);
  return new FleetError(
    'CONFIG_INVALID',
    `cannot edit ${file}: ${what} at line ${line}, column ${column} (the file was not changed)`,
    { file, line, column },
  );
}

/** The document's root object, or undefined for an empty document; CONFIG_INVALID otherwise. */
function parseRoot(text: string, file: string, flavor: JsonFlavor): Node | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, {
    allowTrailingComma: flavor.trailingCommas,
    disallowComments: !flavor.comments,
    allowEmptyContent: true,
  });
  const first = errors[0];
  if (first) throw invalid(file, text, first.offset, `invalid JSON (${printParseErrorCode(first.error)})`);
  if (root === undefined) return undefined;
  if (root.type !== 'object') throw invalid(file, text, root.offset, 'the top level is not an object');
  return root;
}

/** The property node of `key` in an object node; CONFIG_INVALID when the key is duplicated. */
function propertyOf(object: Node, key: string, file: string, text: string): Node | undefined {
  const found = (object.children ?? []).filter((p) => p.children?.[0]?.value === key);
  if (found.length > 1) {
    throw invalid(file, text, found[1]?.offset ?? 0, `duplicate key "${key}" (ambiguous: which one counts?)`);
  }
  return found[0];
}

interface Walk {
  /** The deepest existing object along the path. */
  object: Node;
  /** How many path keys it covers. */
  depth: number;
}

function walk(root: Node, path: readonly string[], file: string, text: string): Walk {
  let object = root;
  let depth = 0;
  for (const key of path) {
    const property = propertyOf(object, key, file, text);
    const value = property?.children?.[1];
    if (!value) break;
    if (value.type !== 'object') throw invalid(file, text, value.offset, `"${key}" is not an object`);
    object = value;
    depth++;
  }
  return { object, depth };
}

/** The server map at `path` (undefined when absent); CONFIG_INVALID when the file cannot be read. */
export function readJsonEntries(
  withBom: string,
  file: string,
  flavor: JsonFlavor,
  path: readonly string[],
): Record<string, unknown> | undefined {
  const text = splitBom(withBom)[1];
  const root = parseRoot(text, file, flavor);
  if (!root) return undefined;
  const { object, depth } = walk(root, path, file, text);
  if (depth < path.length) return undefined;
  // Duplicated names inside the map are refused here too, before anything is edited.
  for (const p of object.children ?? []) propertyOf(object, String(p.children?.[0]?.value), file, text);
  return getNodeValue(object) as Record<string, unknown>;
}

function nest(keys: readonly string[], value: unknown): unknown {
  return keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

/**
 * Adds or replaces `name` in the server map at `path`, creating the missing objects on the
 * way (an empty or missing document becomes `{ "<path…>": { name: value } }`).
 */
export function setJsonEntry(
  withBom: string,
  file: string,
  flavor: JsonFlavor,
  path: readonly string[],
  name: string,
  value: unknown,
): JsonInsertResult {
  const [bom, text] = splitBom(withBom);
  const result = setInBody(text, file, flavor, path, name, value);
  return { ...result, text: bom + result.text };
}

function setInBody(
  text: string,
  file: string,
  flavor: JsonFlavor,
  path: readonly string[],
  name: string,
  value: unknown,
): JsonInsertResult {
  const layout = layoutOf(text);
  const root = parseRoot(text, file, flavor);
  if (!root) {
    // Comments (and blank lines) before any object stay; a line comment needs a line end after it.
    const doc = nest(path, { [name]: value });
    const separator = text.length > 0 && !text.endsWith('\n') ? layout.eol : '';
    return {
      text: `${text}${separator}${pretty(doc, '', layout)}${layout.eol}`,
      createdPath: [],
      ...(separator ? { addedFinalNewline: true } : {}),
    };
  }
  const { object, depth } = walk(root, path, file, text);
  if (depth === path.length) {
    const existing = propertyOf(object, name, file, text)?.children?.[1];
    if (existing) {
      const indent = lineIndent(text, existing.offset);
      const edit = {
        offset: existing.offset,
        length: existing.length,
        content: pretty(value, indent, layout),
      };
      return { text: applyEdits(text, [edit]), createdPath: null };
    }
    return { text: applyEdits(text, [insertMember(text, object, name, value, layout)]), createdPath: null };
  }
  const missing = path.slice(depth);
  const first = missing[0] as string;
  const edit = insertMember(text, object, first, nest(missing.slice(1), { [name]: value }), layout);
  return { text: applyEdits(text, [edit]), createdPath: path.slice(0, depth + 1) };
}

export interface JsonRemoveResult {
  text: string;
  /**
   * True when the document install created is gone (`text` is then what was there before it:
   * empty, or the comments it was written after).
   */
  emptyCreatedDocument: boolean;
}

/**
 * Removes `name` from the map at `path`. With `createdPath` (what the install created), the
 * objects it created go too when nothing else was added to them since; a whole document it
 * created goes with the line end after it (and the one it added before it, `addedFinalNewline`).
 */
export function removeJsonEntry(
  withBom: string,
  file: string,
  flavor: JsonFlavor,
  path: readonly string[],
  name: string,
  createdPath: readonly string[] | null,
  addedFinalNewline = false,
): JsonRemoveResult {
  const [bom, text] = splitBom(withBom);
  const root = parseRoot(text, file, flavor);
  if (!root) return { text: withBom, emptyCreatedDocument: false };
  const { object, depth } = walk(root, path, file, text);
  if (depth < path.length || !propertyOf(object, name, file, text))
    return { text: withBom, emptyCreatedDocument: false };
  // Climb while the object holds nothing but the way down to our entry, up to what install created.
  const chain: Node[] = [root];
  for (const key of path)
    chain.push(propertyOf(chain.at(-1) as Node, key, file, text)?.children?.[1] as Node);
  let level = path.length; // remove `name` from chain[level]
  let key = name;
  if (createdPath) {
    // chain[level] was created by install when level >= createdPath.length.
    while (level >= createdPath.length && level > 0 && (chain[level]?.children?.length ?? 0) === 1) {
      level--;
      key = path[level] as string;
    }
  }
  const parent = chain[level] as Node;
  if (createdPath && level === 0 && (parent.children?.length ?? 0) === 1 && createdPath.length === 0) {
    let before = text.slice(0, root.offset);
    const after = text.slice(root.offset + root.length).replace(/^\r?\n/, '');
    if (addedFinalNewline) before = before.replace(/\r?\n$/, '');
    return { text: bom + before + after, emptyCreatedDocument: true };
  }
  const index = (parent.children ?? []).findIndex((p) => p.children?.[0]?.value === key);
  return { text: bom + applyEdits(text, deleteMember(text, parent, index)), emptyCreatedDocument: false };
}
