/** A parameter name as recipes declare it and templates name it. */
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** One piece of a parsed template: literal text, or the value of a parameter. */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'param'; name: string };
export type Template = readonly TemplatePart[];

/** A parameter's value as the caller gave it, after validation. */
export type ParamValue = string | number | boolean;

// `{{` and `}}` are literal braces; `{name}` is a placeholder; any other brace is a mistake.
const TOKEN = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|[{}]/g;

/**
 * Parses `{name}` placeholders in one argument. A stray brace is an error rather than literal
 * text: `${HOME}` or `{ app }` in a recipe is almost always a mistake worth reporting at load.
 */
export function parseTemplate(source: string): { template: Template } | { error: string } {
  const parts: TemplatePart[] = [];
  let text = '';
  let at = 0;
  for (const match of source.matchAll(TOKEN)) {
    text += source.slice(at, match.index);
    at = match.index + match[0].length;
    if (match[0] === '{{') text += '{';
    else if (match[0] === '}}') text += '}';
    else if (match[1] !== undefined) {
      if (text) parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'param', name: match[1] });
    } else {
      return {
        error: `stray "${match[0]}" at character ${match.index + 1}: write {param}, or {{ and }} for literal braces`,
      };
    }
  }
  text += source.slice(at);
  if (text) parts.push({ kind: 'text', text });
  return { template: parts };
}

/** The parameter names a template uses, in order of appearance. */
export function placeholders(template: Template): string[] {
  return template.flatMap((p) => (p.kind === 'param' ? [p.name] : []));
}

/** The text a value becomes inside an argument (`true`, `42`, or the string itself). */
export function valueText(value: ParamValue): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * Fills a template in one pass: a value is inserted as text and never parsed again, so a value
 * containing `{other}` stays literal. The result is one argument, whatever the value contains.
 */
export function renderTemplate(template: Template, values: Readonly<Record<string, ParamValue>>): string {
  return template
    .map((p) => {
      if (p.kind === 'text') return p.text;
      const value = values[p.name];
      // Load-time checks make this unreachable; refusing beats inserting "undefined".
      if (value === undefined) throw new Error(`no value for parameter ${p.name}`);
      return valueText(value);
    })
    .join('');
}

/** Every string inside a JSON-like value, with its path (tool arguments may nest). */
export function stringsIn(
  value: unknown,
  path: readonly (string | number)[] = [],
): Array<{
  path: (string | number)[];
  text: string;
}> {
  if (typeof value === 'string') return [{ path: [...path], text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, [...path, i]));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => stringsIn(v, [...path, k]));
  return [];
}

/**
 * Fills every string inside a tool's arguments. A string that is exactly one placeholder of an
 * integer or boolean parameter becomes that typed value (`lines: "{lines}"` gives a number), so
 * tools whose arguments are not strings can still be parameterised.
 */
export function renderArgs(value: unknown, values: Readonly<Record<string, ParamValue>>): unknown {
  if (typeof value === 'string') {
    const parsed = parseTemplate(value);
    if ('error' in parsed) throw new Error(parsed.error);
    const [only] = parsed.template;
    if (parsed.template.length === 1 && only?.kind === 'param') {
      const typed = values[only.name];
      if (typed === undefined) throw new Error(`no value for parameter ${only.name}`);
      return typed;
    }
    return renderTemplate(parsed.template, values);
  }
  if (Array.isArray(value)) return value.map((v) => renderArgs(v, values));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderArgs(v, values)]));
  return value;
}

/**
 * Tool arguments as written, with `{{`/`}}` unescaped and strings holding placeholders left
 * untouched: what load-time checks can judge before any value is known.
 */
export function literalArgs(value: unknown): unknown {
  if (typeof value === 'string') {
    const parsed = parseTemplate(value);
    if (!('template' in parsed) || placeholders(parsed.template).length > 0) return value;
    return parsed.template.map((p) => (p.kind === 'text' ? p.text : '')).join('');
  }
  if (Array.isArray(value)) return value.map(literalArgs);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literalArgs(v)]));
  return value;
}
