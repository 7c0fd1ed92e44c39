import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';

/**
 * Line and column (1-based) where `path` is written in a YAML text: the key of its last
 * segment when that is a map key, else the deepest node that exists. A problem found after
 * validation (a name defined twice, an unknown tool) is then reported like the schema's own.
 * `{line: 1, column: 1}` when nothing matches.
 */
export function locate(text: string, path: readonly (string | number)[]): { line: number; column: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const last = path[path.length - 1];
  const parent = doc.getIn(path.slice(0, -1), true);
  if (path.length > 0 && isMap(parent)) {
    const key = parent.items.find((item) => isScalar(item.key) && item.key.value === last)?.key;
    if (isNode(key) && key.range) return at(key.range[0]);
  }
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return at(node.range[0]);
  }
  return { line: 1, column: 1 };
}
