import {
  Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  visit,
  type YAMLMap,
} from 'yaml';
import { FleetError } from '../../errors/index.js';

/**
 * Edits YAML text in place of a map entry, so everything outside that entry stays byte for byte
 * what the operator wrote: comments, quoting, flow maps, blank lines. The `yaml` package can
 * parse and edit a Document with its comments, but re-stringifying the whole Document reflows
 * flow collections and changes spacing elsewhere in the file; so the Document is used only to
 * find where an entry starts and ends, and the new entry's text is spliced into the old text.
 * yamlEdit.ts checks each splice before anyone sees it.
 */

export type YamlPath = readonly string[];

const render = (doc: Document): string =>
  doc.toString({ lineWidth: 0, flowCollectionPadding: false, indent: 2 });

/** Parses YAML text; invalid YAML is CONFIG_INVALID with the parser's first complaint. */
export function parseYaml(text: string): Document {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new FleetError('CONFIG_INVALID', `not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`);
  }
  return doc;
}

/** `key:` with nothing after it: its value node has an empty range on the next line. */
const isEmptyValue = (node: Node | null | undefined): boolean =>
  node === null || node === undefined || (isScalar(node) && node.value === null && node.source === '');

const pathText = (path: YamlPath) => path.join('.');

/**
 * The value node at `path`: `undefined` when an entry on the way is missing, `null` (or an empty
 * scalar) when the entry is there with nothing after `key:`. Something other than a map on the
 * way is the file's problem, not a place to create one.
 */
function nodeAt(doc: Document, path: YamlPath): Node | null | undefined {
  let node = doc.contents as Node | null | undefined;
  for (const [depth, key] of path.entries()) {
    if (isEmptyValue(node)) return undefined;
    const where = pathText(path.slice(0, depth)) || 'the document';
    if (isAlias(node)) throw new FleetError('USAGE', `${where} is a YAML alias; edit it by hand`);
    if (!isMap(node)) throw new FleetError('CONFIG_INVALID', `${where} is not a map`);
    const pair = pairOf(node, key);
    if (!pair) return undefined;
    node = pair.value;
  }
  return node;
}

function pairOf(map: YAMLMap, key: string): Pair<Node, Node | null> | undefined {
  return (map.items as Pair<Node, Node | null>[]).find((p) => isScalar(p.key) && String(p.key.value) === key);
}

/** Where a node's own text ends: a block collection's range also covers comments after it. */
function contentEnd(node: Node): number {
  if ((isMap(node) || isSeq(node)) && !node.flow) {
    const last = node.items.at(-1);
    if (last === undefined) return node.range?.[1] ?? 0;
    if (isPair(last))
      return contentEnd(isEmptyValue(last.value as Node) ? (last.key as Node) : (last.value as Node));
    return contentEnd(last as Node);
  }
  return node.range?.[1] ?? 0;
}

const lineStart = (text: string, pos: number) => text.lastIndexOf('\n', pos - 1) + 1;

/** The position after the newline that ends the line holding `pos - 1`. */
function lineEndAfter(text: string, pos: number): number {
  if (pos > 0 && text[pos - 1] === '\n') return pos;
  const nl = text.indexOf('\n', pos);
  return nl === -1 ? text.length : nl + 1;
}

/** Where a block map's entry starts (its line) and ends (after its last line). */
function pairSpan(
  text: string,
  pair: Pair<Node, Node | null>,
): { start: number; end: number; indent: number } {
  const keyStart = pair.key.range?.[0] ?? 0;
  const start = lineStart(text, keyStart);
  if (text.slice(start, keyStart).trim() !== '') {
    throw new FleetError('USAGE', 'the entry shares its line with other YAML; edit it by hand');
  }
  const end = lineEndAfter(text, contentEnd(isEmptyValue(pair.value) ? pair.key : (pair.value as Node)));
  return { start, end, indent: keyStart - start };
}

const eolOf = (text: string) => (text.includes('\r\n') ? '\r\n' : '\n');

/** `key: value` as block YAML at `indent`; short lists of plain values on one line, as people write them. */
function blockPair(key: string, value: unknown, indent: number, eol: string): string {
  const doc = new Document({ [key]: value });
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item)) && JSON.stringify(node.toJSON()).length <= 80)
        node.flow = true;
    },
  });
  const lines = render(doc).replace(/\n$/, '').split('\n');
  return lines.map((line) => (line === '' ? line : ' '.repeat(indent) + line)).join(eol) + eol;
}

/** A value as flow YAML on one line, for inside `{ … }` or after `key: `. */
function flowValue(value: unknown): string {
  if (typeof value === 'string' && /[\r\n]/.test(value)) return JSON.stringify(value);
  const doc = new Document(value);
  if (isCollection(doc.contents)) doc.contents.flow = true;
  return render(doc).replace(/\n$/, '');
}

const flowPair = (key: string, value: unknown) => flowValue({ [key]: value }).slice(1, -1);

const splice = (text: string, start: number, end: number, insert: string) =>
  text.slice(0, start) + insert + text.slice(end);

/**
 * Sets the value at `path` (a chain of map keys) and returns the new text. An existing entry is
 * replaced where it stands; a new one goes after the last entry of its map; missing parent maps
 * are created. Text outside the entry is untouched.
 */
export function spliceSet(text: string, path: YamlPath, value: unknown): string {
  const key = path.at(-1);
  if (key === undefined) throw new FleetError('USAGE', 'a YAML edit needs a path');
  const doc = parseYaml(text);
  const eol = eolOf(text);
  const parentPath = path.slice(0, -1);
  const parent = nodeAt(doc, parentPath);
  // `servers:` or `servers: {}` (as a new file has it): the map is written out in block style.
  const emptyMap = isMap(parent) && parent.items.length === 0;
  if (isEmptyValue(parent) || (emptyMap && parentPath.length > 0)) {
    if (parentPath.length > 0) return spliceSet(text, parentPath, { [key]: value });
    // An empty document (perhaps only comments): the entry goes at the end.
    const sep = text === '' || text.endsWith('\n') ? '' : eol;
    return text + sep + blockPair(key, value, 0, eol);
  }
  if (!isMap(parent)) {
    throw new FleetError('CONFIG_INVALID', `${pathText(parentPath) || 'the document'} is not a map`);
  }
  const pair = pairOf(parent, key);
  if (pair) {
    const old = pair.value;
    if (isAlias(old)) throw new FleetError('USAGE', `${pathText(path)} is a YAML alias; edit it by hand`);
    const structured = typeof value === 'object' && value !== null;
    const inline =
      old !== null &&
      !isEmptyValue(old) &&
      !(isScalar(old) && (old.type === 'BLOCK_LITERAL' || old.type === 'BLOCK_FOLDED')) &&
      !(isCollection(old) && !old.flow);
    if (inline && (parent.flow || !structured)) {
      // A value in a flow map, or a plain value replacing another: only the value's text changes,
      // so a comment after it on the same line stays.
      const [start, end] = old.range ?? [0, 0];
      return splice(text, start, end, flowValue(value));
    }
    if (parent.flow)
      throw new FleetError('USAGE', `${pathText(path)} has no value to replace; edit it by hand`);
    const span = pairSpan(text, pair);
    return splice(text, span.start, span.end, blockPair(key, value, span.indent, eol));
  }
  if (parent.flow) {
    const last = parent.items.at(-1) as Pair<Node, Node | null> | undefined;
    if (!last) {
      const [start, end] = parent.range ?? [0, 0];
      return splice(text, start, end, `{ ${flowPair(key, value)} }`);
    }
    const lastEnd = (last.value ?? last.key).range?.[1] ?? 0;
    return splice(text, lastEnd, lastEnd, `, ${flowPair(key, value)}`);
  }
  const first = parent.items[0] as Pair<Node, Node | null>;
  const last = parent.items.at(-1) as Pair<Node, Node | null>;
  const indent = pairSpan(text, first).indent;
  const at = pairSpan(text, last).end;
  const sep = at > 0 && text[at - 1] !== '\n' ? eol : '';
  return splice(text, at, at, sep + blockPair(key, value, indent, eol));
}

/**
 * Removes the entry at `path` and returns the new text (the same text when there is none).
 * Comments above the entry stay: they may introduce more than it. A map left empty becomes `{}`.
 */
export function spliceDelete(text: string, path: YamlPath): string {
  const key = path.at(-1);
  if (key === undefined) throw new FleetError('USAGE', 'a YAML edit needs a path');
  const doc = parseYaml(text);
  const parentPath = path.slice(0, -1);
  const parent = nodeAt(doc, parentPath);
  if (!isMap(parent)) return text;
  const pair = pairOf(parent, key);
  if (!pair) return text;
  const index = parent.items.indexOf(pair);
  if (parent.flow) {
    const next = parent.items[index + 1] as Pair<Node, Node> | undefined;
    const prev = parent.items[index - 1] as Pair<Node, Node | null> | undefined;
    const end = (pair.value ?? pair.key).range?.[1] ?? 0;
    if (next) return splice(text, pair.key.range?.[0] ?? 0, next.key.range?.[0] ?? 0, '');
    if (prev) return splice(text, (prev.value ?? prev.key).range?.[1] ?? 0, end, '');
    const [start, stop] = parent.range ?? [0, 0];
    return splice(text, start, stop, '{}');
  }
  const span = pairSpan(text, pair);
  const removed = splice(text, span.start, span.end, '');
  if (parent.items.length > 1 || parentPath.length === 0) return removed;
  // The map had only this entry: `servers:` with nothing under it would be null, not an empty map.
  const owner = pairOf(
    (nodeAt(doc, parentPath.slice(0, -1)) as YAMLMap) ?? doc.contents,
    parentPath.at(-1) ?? '',
  );
  const colon = text.indexOf(':', owner?.key.range?.[1] ?? 0);
  return splice(removed, colon + 1, colon + 1, ' {}');
}

/** The plain value at `path`, or `undefined` when absent. */
export function getIn(text: string, path: YamlPath): unknown {
  const node = nodeAt(parseYaml(text), path);
  if (node === undefined) return undefined;
  if (node === null) return null;
  return node.toJSON();
}
