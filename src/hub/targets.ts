import { FleetError } from '../errors/index.js';

/** The longest expression accepted; it arrives from the model, so work on it is bounded. */
export const MAX_EXPRESSION_LENGTH = 4096;
/** The most comma-separated terms in one expression. */
export const MAX_TERMS = 256;
/** How deep `group:` references may nest (a group naming a group naming …). */
export const MAX_GROUP_DEPTH = 16;

export interface TargetUniverse {
  /** Every device the hub knows, in display order (chained devices are named `site/device`). */
  devices: ReadonlyArray<{ name: string; tags: readonly string[] }>;
  /** Group name → member terms (each a target term: name, glob, tag:x, group:y). */
  groups: Readonly<Record<string, readonly string[]>>;
}

/** One `[...]` bracket class: the chars and ranges it lists, possibly negated with `!` or `^`. */
interface CharClass {
  negate: boolean;
  ranges: Array<readonly [number, number]>;
}
/** One step of a parsed glob (see {@link parseGlob}). */
export type GlobToken =
  | { kind: 'star' }
  | { kind: 'any' }
  | { kind: 'lit'; ch: string }
  | ({ kind: 'class' } & CharClass);

/** Device indices plus the deepest `group:` nesting seen while computing them. */
interface Evaluated {
  set: Set<number>;
  height: number;
}

/**
 * Resolves an Ansible-like target expression to device names, in universe order, without
 * duplicates. Terms are separated by commas only (`tag:` and `group:` contain colons):
 * `all` or `*`, `tag:<tag>`, `group:<name>`, a glob (`*`, `?`, `[...]`, matched against the
 * whole name, `*` crossing `/`), or an exact device name. `!term` excludes, `&term` intersects:
 * result = (union of plain terms, or every device when there are none) ∩ each `&` term − each
 * `!` term. A group's members are evaluated the same way, as a sub-expression.
 *
 * Globs and tags that match nothing are not errors (a tag may legitimately be empty), nor is an
 * empty result. Names that match nothing are, because they are almost always typos and silently
 * acting on fewer machines than meant is the worse failure.
 *
 * @throws FleetError `INVALID_TARGETS` with `{ expression, problems }`, listing every problem
 *   found (unknown device or group, empty term, bad glob, group cycle, too deep, too long).
 */
export function resolveTargets(expression: string, universe: TargetUniverse): string[] {
  const fail = (problems: string[]): never => {
    throw new FleetError('INVALID_TARGETS', problems.join('; '), { expression, problems });
  };
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    fail([`target expression is longer than ${MAX_EXPRESSION_LENGTH} characters`]);
  }
  if (expression.trim() === '') fail(['empty target expression']);
  const terms = expression.split(',');
  if (terms.length > MAX_TERMS) fail([`target expression has more than ${MAX_TERMS} terms`]);

  // Set, not array: a group referenced twice must not report its problems twice.
  const problems = new Set<string>();
  const evaluator = createEvaluator(universe, problems);
  const { set } = evaluator.evaluate(terms, []);
  if (problems.size > 0) fail([...problems]);

  const seen = new Set<string>();
  const names: string[] = [];
  universe.devices.forEach((device, index) => {
    if (set.has(index) && !seen.has(device.name)) {
      seen.add(device.name);
      names.push(device.name);
    }
  });
  return names;
}

/** Per-call evaluation state: lookup tables and the memo of groups already resolved. */
function createEvaluator(universe: TargetUniverse, problems: Set<string>) {
  const { devices } = universe;
  const byName = new Map<string, number>();
  devices.forEach((device, index) => {
    if (!byName.has(device.name)) byName.set(device.name, index);
  });
  const everyDevice = (): Set<number> => new Set(devices.keys());
  // Memo keeps work linear in the group graph: without it `a: [b, b]`, `b: [c, c]`, … doubles per level.
  const memo = new Map<string, Evaluated>();
  const hasGroup = (name: string) => Object.hasOwn(universe.groups, name);

  /** One term with its `!`/`&` prefix already removed; `stack` is the chain of groups being expanded. */
  function evaluateTerm(raw: string, position: number, stack: readonly string[]): Evaluated {
    const context = stack.length > 0 ? ` in group:${stack[stack.length - 1]}` : '';
    const term = raw.trim();
    const empty: Evaluated = { set: new Set(), height: 0 };
    if (term === '') {
      problems.add(`empty term at position ${position + 1}${context}`);
      return empty;
    }
    if (term.startsWith('!') || term.startsWith('&')) {
      problems.add(`invalid term "${term}": one ! or & prefix per term${context}`);
      return empty;
    }
    if (term === 'all' || term === '*') return { set: everyDevice(), height: 0 };
    if (term.startsWith('tag:')) {
      const tag = term.slice(4).trim();
      if (tag === '') problems.add(`empty tag in "${term}"${context}`);
      const set = new Set<number>();
      devices.forEach((device, index) => {
        if (device.tags.includes(tag)) set.add(index);
      });
      return { set, height: 0 };
    }
    if (term.startsWith('group:')) {
      const name = term.slice(6).trim();
      if (name === '') {
        problems.add(`empty group name in "${term}"${context}`);
        return empty;
      }
      if (!hasGroup(name)) {
        problems.add(`unknown group "${name}"${context}`);
        return empty;
      }
      const evaluated = evaluateGroup(name, stack);
      if (stack.length === 0 && evaluated.height > MAX_GROUP_DEPTH) {
        problems.add(`group:${name} nests groups more than ${MAX_GROUP_DEPTH} levels deep`);
      }
      return evaluated;
    }
    if (/[*?[]/.test(term)) {
      const tokens = parseGlob(term);
      if (tokens === undefined) {
        problems.add(`invalid glob "${term}" (unclosed or empty [...])${context}`);
        return empty;
      }
      const set = new Set<number>();
      devices.forEach((device, index) => {
        if (matchGlob(tokens, device.name)) set.add(index);
      });
      return { set, height: 0 };
    }
    const index = byName.get(term);
    if (index === undefined) {
      const hint = hasGroup(term) ? ` (did you mean group:${term}?)` : '';
      problems.add(`unknown device "${term}"${hint}${context}`);
      return empty;
    }
    return { set: new Set([index]), height: 0 };
  }

  function evaluateGroup(name: string, stack: readonly string[]): Evaluated {
    const cached = memo.get(name);
    if (cached) return cached;
    const at = stack.indexOf(name);
    if (at >= 0) {
      problems.add(`group cycle: ${[...stack.slice(at), name].map((g) => `group:${g}`).join(' → ')}`);
      return { set: new Set(), height: 0 };
    }
    // Past the limit the answer is already "too deep"; stop before a long chain exhausts the JS stack.
    if (stack.length >= MAX_GROUP_DEPTH) return { set: new Set(), height: MAX_GROUP_DEPTH + 1 };
    const members = universe.groups[name] ?? [];
    const inner = evaluate(members, [...stack, name]);
    const result: Evaluated = { set: inner.set, height: inner.height + 1 };
    memo.set(name, result);
    return result;
  }

  /** Applies the union / `&` intersection / `!` exclusion rule to one list of terms. */
  function evaluate(terms: readonly string[], stack: readonly string[]): Evaluated {
    let union: Set<number> | undefined;
    const intersections: Set<number>[] = [];
    const exclusions: Set<number>[] = [];
    let height = 0;
    terms.forEach((raw, position) => {
      const trimmed = raw.trim();
      const prefix = trimmed[0];
      const isOperator = prefix === '!' || prefix === '&';
      const operand = isOperator ? trimmed.slice(1) : trimmed;
      if (isOperator && operand.trim() === '') {
        const context = stack.length > 0 ? ` in group:${stack[stack.length - 1]}` : '';
        problems.add(`empty term after "${prefix}" at position ${position + 1}${context}`);
        return;
      }
      const evaluated = evaluateTerm(operand, position, stack);
      height = Math.max(height, evaluated.height);
      if (prefix === '!') exclusions.push(evaluated.set);
      else if (prefix === '&') intersections.push(evaluated.set);
      else {
        union ??= new Set();
        for (const index of evaluated.set) union.add(index);
      }
    });
    const result = new Set<number>();
    for (const index of union ?? everyDevice()) {
      if (intersections.every((s) => s.has(index)) && !exclusions.some((s) => s.has(index))) {
        result.add(index);
      }
    }
    return { set: result, height };
  }

  return { evaluate };
}

/**
 * Tokenises a glob. Returns undefined for an unclosed or empty `[...]`, which is reported rather
 * than matched literally: device names cannot contain `[`, so a literal reading never matches.
 */
export function parseGlob(pattern: string): GlobToken[] | undefined {
  const tokens: GlobToken[] = [];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === '*') {
      // Collapse runs of `*`: they mean the same and would only add matcher steps.
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
      i += 1;
    } else if (ch === '?') {
      tokens.push({ kind: 'any' });
      i += 1;
    } else if (ch === '[') {
      const parsed = parseClass(pattern, i + 1);
      if (parsed === undefined) return undefined;
      tokens.push({ kind: 'class', ...parsed.cls });
      i = parsed.next;
    } else {
      tokens.push({ kind: 'lit', ch });
      i += 1;
    }
  }
  return tokens;
}

function parseClass(pattern: string, start: number): { cls: CharClass; next: number } | undefined {
  let i = start;
  const negate = pattern[i] === '!' || pattern[i] === '^';
  if (negate) i += 1;
  const ranges: Array<readonly [number, number]> = [];
  while (i < pattern.length && pattern[i] !== ']') {
    const low = pattern.charCodeAt(i);
    // `a-z` is a range; a `-` first or last in the class is literal.
    if (pattern[i + 1] === '-' && i + 2 < pattern.length && pattern[i + 2] !== ']') {
      const high = pattern.charCodeAt(i + 2);
      ranges.push([Math.min(low, high), Math.max(low, high)]);
      i += 3;
    } else {
      ranges.push([low, low]);
      i += 1;
    }
  }
  if (i >= pattern.length || ranges.length === 0) return undefined;
  return { cls: { negate, ranges }, next: i + 1 };
}

function matchOne(token: GlobToken, ch: string): boolean {
  if (token.kind === 'any') return true;
  if (token.kind === 'lit') return token.ch === ch;
  if (token.kind === 'class') {
    const code = ch.charCodeAt(0);
    const inside = token.ranges.some(([low, high]) => code >= low && code <= high);
    return inside !== token.negate;
  }
  return false;
}

/**
 * Whole-string glob match in O(pattern × name) time, with no regex built from user input: on a
 * mismatch it only ever retries from the most recent `*`, which is enough for `*`-only wildcards
 * and never backtracks exponentially.
 */
export function matchGlob(tokens: readonly GlobToken[], name: string): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < name.length) {
    const token = tokens[p];
    if (token?.kind === 'star') {
      starP = p;
      starS = s;
      p += 1;
    } else if (token !== undefined && matchOne(token, name[s] as string)) {
      p += 1;
      s += 1;
    } else if (starP >= 0) {
      p = starP + 1;
      starS += 1;
      s = starS;
    } else {
      return false;
    }
  }
  while (tokens[p]?.kind === 'star') p += 1;
  return p === tokens.length;
}
