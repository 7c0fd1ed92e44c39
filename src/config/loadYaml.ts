import { readFile } from 'node:fs/promises';
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { FleetError } from '../errors/index.js';

export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  field: string;
  message: string;
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems
    .map((p) => `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ''}${p.message}`)
    .join('\n');
}

/**
 * Parses YAML text against a zod schema and reports every problem at once, each with the
 * file, line and field it concerns, so an operator fixes a config in one pass.
 */
export function parseYamlConfig<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  for (const error of doc.errors) {
    const pos = lineCounter.linePos(error.pos[0]);
    problems.push({
      file,
      line: pos.line,
      column: pos.col,
      field: '',
      message: error.message.split('\n')[0] ?? '',
    });
  }
  if (problems.length) {
    throw new FleetError('CONFIG_INVALID', `invalid YAML in ${file}\n${formatProblems(problems)}`, {
      problems,
    });
  }
  const value = doc.toJS() ?? {};
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    // Point at the deepest node that exists: a missing key is reported where its parent is.
    let line = 1;
    let column = 1;
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) {
        ({ line, col: column } = lineCounter.linePos(node.range[0]));
        break;
      }
    }
    if (issue.code === 'unrecognized_keys') {
      // Point at the misspelt key itself rather than at its parent map.
      const map = doc.getIn(path, true);
      const key = isMap(map)
        ? map.items.find((item) => isScalar(item.key) && item.key.value === issue.keys[0])?.key
        : undefined;
      if (isNode(key) && key.range) ({ line, col: column } = lineCounter.linePos(key.range[0]));
    }
    // A bad record key (a device name, say) is reported by zod as "Invalid key in record" with
    // the reasons nested inside; the operator needs the reasons.
    const nested = issue.code === 'invalid_key' ? issue.issues.map((i) => i.message).join('; ') : '';
    problems.push({ file, line, column, field: path.join('.'), message: nested || issue.message });
  }
  throw new FleetError('CONFIG_INVALID', `invalid config ${file}\n${formatProblems(problems)}`, { problems });
}

export async function loadYamlConfig<S extends z.ZodType>(schema: S, file: string): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FleetError(
      code === 'ENOENT' ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID',
      code === 'ENOENT'
        ? `config file not found: ${file}`
        : `cannot read ${file}: ${(error as Error).message}`,
      { file },
    );
  }
  return parseYamlConfig(schema, text, file);
}
