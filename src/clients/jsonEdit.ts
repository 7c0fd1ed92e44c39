import {
  applyEdits,
  type Edit,
  getNodeValue,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import { FleetError } from '../errors/index.js';

/**
 * Edits one entry of a JSON or JSONC document as text, leaving every other byte alone
 * (comments, key order, indentation, trailing commas). jsonc-parser gives the syntax tree
 * with offsets and applies the edits; the edits themselves are computed here, because
 * `modify` re-formats every line an edit touches (a neighbour's inline object, the spacing
 * before a trailing comment), which would make install-then-remove lose bytes.
 *
 * Round trip: an insert puts `,<eol><indent>"name": value` right after the last member (or
 * fills an empty `{}`), and a remove deletes exactly from the end of the previous member to
 * the end of the removed one, so remove after install gives the original bytes back.
 */

export interface JsonFlavor {
  comments: boolean;
  trailingCommas: boolean;
}

/** The outermost object a `setJsonEntry` created, so `removeJsonEntry` can take it away again. */
export interface JsonInsertResult {
  text: string;
  /** Path of the outermost object it created (`[]`: the whole document), or null. */
  createdPath: string[] | null;
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
  text: string,
  file: string,
  flavor: JsonFlavor,
  path: readonly string[],
): Record<string, unknown> | undefined {
  const root = parseRoot(text, file, flavor);
  if (!root) return undefined;
  const { object, depth } = walk(root, path, file, text);
  if (depth < path.length) return undefined;
  // Duplicated names inside the map are refused here too, before anything is edited.
  for (const p of object.children ?? []) propertyOf(object, String(p.children?.[0]?.value), file, text);
  return getNodeValue(object) as Record<string, unknown>;
}

interface Layout {
  eol: string;
  unit: string;
}

function layoutOf(text: string): Layout {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indented = /^([ \t]+)\S/m.exec(text)?.[1];
  const unit = indented?.startsWith('\t') ? '\t' : indented ? ' '.repeat(Math.min(indented.length, 8)) : '  ';
  return { eol, unit };
}

/** Leading whitespace of the line `offset` is on. */
function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? '';
}

function onOneLine(text: string, from: number, to: number): boolean {
  return !text.slice(from, to).includes('\n');
}

function pretty(value: unknown, indent: string, layout: Layout): string {
  return JSON.stringify(value, null, layout.unit).split('\n').join(`${layout.eol}${indent}`);
}

function nest(keys: readonly string[], value: unknown): unknown {
  return keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

/** The text of `"key": value` inserted as the last member of `object`, and its offsets. */
function insertMember(text: string, object: Node, key: string, value: unknown, layout: Layout): Edit {
  const members = object.children ?? [];
  const last = members.at(-1);
  const objectIndent = lineIndent(text, object.offset);
  if (!last) {
    const indent = objectIndent + layout.unit;
    const body = `${layout.eol}${indent}${JSON.stringify(key)}: ${pretty(value, indent, layout)}${layout.eol}${objectIndent}`;
    return { offset: object.offset + 1, length: object.length - 2, content: body };
  }
  const end = last.offset + last.length;
  if (onOneLine(text, object.offset, last.offset)) {
    // An inline object (`{"a": 1}`) stays inline.
    return { offset: end, length: 0, content: `, ${JSON.stringify(key)}: ${JSON.stringify(value)}` };
  }
  const indent = lineIndent(text, last.offset);
  return {
    offset: end,
    length: 0,
    content: `,${layout.eol}${indent}${JSON.stringify(key)}: ${pretty(value, indent, layout)}`,
  };
}

/**
 * Adds or replaces `name` in the server map at `path`, creating the missing objects on the
 * way (an empty or missing document becomes `{ "<path…>": { name: value } }`).
 */
export function setJsonEntry(
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
    const doc = nest(path, { [name]: value });
    return { text: `${pretty(doc, '', layout)}${layout.eol}`, createdPath: [] };
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

/** The edit that deletes member `index` of `object`, the inverse of `insertMember`. */
function deleteMember(object: Node, index: number): Edit {
  const members = object.children ?? [];
  const member = members[index] as Node;
  const previous = members[index - 1];
  const next = members[index + 1];
  if (previous) {
    const from = previous.offset + previous.length;
    return { offset: from, length: member.offset + member.length - from, content: '' };
  }
  if (next) return { offset: member.offset, length: next.offset - member.offset, content: '' };
  return { offset: object.offset + 1, length: object.length - 2, content: '' };
}

export interface JsonRemoveResult {
  text: string;
  /** True when the document is now empty (`{}`) and `createdPath` said install created it. */
  emptyCreatedDocument: boolean;
}

/**
 * Removes `name` from the map at `path`. With `createdPath` (what the install created), the
 * objects it created go too when nothing else was added to them since.
 */
export function removeJsonEntry(
  text: string,
  file: string,
  flavor: JsonFlavor,
  path: readonly string[],
  name: string,
  createdPath: readonly string[] | null,
): JsonRemoveResult {
  const root = parseRoot(text, file, flavor);
  if (!root) return { text, emptyCreatedDocument: false };
  const { object, depth } = walk(root, path, file, text);
  if (depth < path.length || !propertyOf(object, name, file, text))
    return { text, emptyCreatedDocument: false };
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
    return { text: applyEdits(text, [deleteMember(parent, 0)]), emptyCreatedDocument: true };
  }
  const index = (parent.children ?? []).findIndex((p) => p.children?.[0]?.value === key);
  return { text: applyEdits(text, [deleteMember(parent, index)]), emptyCreatedDocument: false };
}
