import { isDeepStrictEqual } from 'node:util';
import { Document, isMap, isPair, isScalar, LineCounter, parseDocument, visit, type YAMLMap } from 'yaml';

/** One change to a YAML file: set `path` to `value`, or remove it (`value` undefined). */
export interface YamlChange {
  path: readonly string[];
  value: unknown;
}

/** How the Document API writes a file back when a change cannot be spliced into the text. */
const TO_STRING = { flowCollectionPadding: false, lineWidth: 0 } as const;

/**
 * A YAML rendering of `value` on its own (quoted as needed), without the trailing newline;
 * lists of plain values on one line (`tags: [pi, lab]`), as people write them.
 */
function render(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, seq) {
      if (seq.items.every((item) => isScalar(item))) seq.flow = true;
    },
  });
  return doc.toString(TO_STRING).replace(/\n$/, '');
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function lineEnd(text: string, pos: number): number {
  if (pos > 0 && text[pos - 1] === '\n') return pos;
  const next = text.indexOf('\n', pos);
  return next === -1 ? text.length : next + 1;
}

/** The block map at `path`, or undefined when it is missing, empty or written in flow style. */
function blockMap(doc: Document, path: readonly string[]): YAMLMap | undefined {
  const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
  return isMap(node) && !node.flow && node.items.length > 0 ? node : undefined;
}

/**
 * Applies one change by editing the text itself where the change is local (a scalar replaced,
 * an entry removed, an entry appended to a block map), so every byte the operator wrote
 * elsewhere (spacing inside `{ }`, quoting, comments) stays as it was; `undefined` when it is not.
 */
function splice(text: string, change: YamlChange): string | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length) return undefined;
  const parentPath = change.path.slice(0, -1);
  const key = change.path.at(-1);
  const map = blockMap(doc, parentPath);
  if (!map || key === undefined) return undefined;
  const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
  const keyRange = pair && isScalar(pair.key) ? pair.key.range : undefined;
  const valueRange = (pair?.value as { range?: [number, number, number] } | null | undefined)?.range;

  if (change.value === undefined) {
    if (!keyRange || !valueRange) return undefined;
    const start = lineStart(text, keyRange[0]);
    if (text.slice(start, keyRange[0]).trim() !== '') return undefined; // not alone on its line
    return text.slice(0, start) + text.slice(lineEnd(text, valueRange[2]));
  }
  if (pair) {
    // Only a scalar replaced by a scalar is local; anything else goes through the Document.
    if (!valueRange || !isScalar(pair.value) || (typeof change.value === 'object' && change.value !== null))
      return undefined;
    return text.slice(0, valueRange[0]) + render(change.value) + text.slice(valueRange[1]);
  }
  const first = map.items[0];
  const last = map.items.at(-1);
  const firstKey = first && isScalar(first.key) ? first.key.range : undefined;
  const lastEnd = (last?.value as { range?: [number, number, number] } | null | undefined)?.range?.[2];
  if (!firstKey || lastEnd === undefined) return undefined;
  const indent = ' '.repeat(lineCounter.linePos(firstKey[0]).col - 1);
  const body = render({ [key]: change.value })
    .split('\n')
    .map((l) => (l ? indent + l : l))
    .join('\n');
  const at = lineEnd(text, lastEnd);
  const before = text.slice(0, at);
  return `${before}${before.endsWith('\n') || before === '' ? '' : '\n'}${body}\n${text.slice(at)}`;
}

function applyToDocument(doc: Document, change: YamlChange): void {
  if (change.value === undefined) {
    if (doc.hasIn(change.path)) doc.deleteIn(change.path);
    return;
  }
  // A key holding nothing (`devices:` with only comments under it) becomes a map to set into.
  for (let depth = 1; depth < change.path.length; depth++) {
    const at = change.path.slice(0, depth);
    const node = doc.getIn(at, true);
    if (node === undefined || node === null || (isScalar(node) && node.value === null)) {
      const map = doc.createNode({});
      // The comments the empty value carried (`devices:` followed by commented examples) move along.
      if (isScalar(node)) {
        map.commentBefore = node.commentBefore;
        map.comment = node.comment;
      }
      doc.setIn(at, map);
    }
  }
  const node = doc.createNode(change.value);
  visit(node, {
    Seq(_, seq) {
      if (seq.items.every((item) => isScalar(item))) seq.flow = true;
    },
  });
  doc.setIn(change.path, node);
}

/**
 * Applies changes to YAML text, keeping comments: each change is spliced into the text when it
 * is local, else made through the `yaml` Document API (which keeps comments but may re-space
 * flow collections). The result always means exactly what the Document API would produce:
 * if a splice ever disagrees, the Document's rendering is used instead.
 */
export function applyYamlChanges(text: string, changes: readonly YamlChange[]): string {
  const expected = parseDocument(text);
  for (const change of changes) applyToDocument(expected, change);
  let spliced: string | undefined = text;
  for (const change of changes) {
    spliced = spliced === undefined ? undefined : splice(spliced, change);
    if (spliced === undefined) break;
  }
  if (spliced !== undefined && isDeepStrictEqual(parseDocument(spliced).toJS(), expected.toJS()))
    return spliced;
  return expected.toString(TO_STRING);
}
