import { FleetError } from '../errors/index.js';

/**
 * POSIX single-quoting: the one quoting that has no special characters inside, so any
 * string without NUL becomes exactly one word. Used for the commands the hub sends to a
 * remote `/bin/sh`; arguments never reach a shell any other way.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) {
    throw new FleetError('INVALID_ARGUMENT', 'a NUL byte cannot be passed in a command argument');
  }
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Characters of a bracket expression we let through unquoted (`[0-9]`, `[!a-z]`). */
const SAFE_BRACKET = /^\[!?[A-Za-z0-9_.-]+\]/;

/**
 * Quotes a path glob so that only `*`, `?` and simple bracket expressions stay special:
 * `/sys/class/thermal/thermal_zone*\/temp` becomes `'/sys/class/thermal/thermal_zone'*'/temp'`.
 * Anything else (spaces, `$`, backquotes) is literal.
 */
export function shellGlob(pattern: string): string {
  let out = '';
  let literal = '';
  const flush = () => {
    if (literal) out += shellQuote(literal);
    literal = '';
  };
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i] as string;
    if (ch === '*' || ch === '?') {
      flush();
      out += ch;
      i++;
      continue;
    }
    if (ch === '[') {
      const bracket = SAFE_BRACKET.exec(pattern.slice(i));
      if (bracket) {
        flush();
        out += bracket[0];
        i += bracket[0].length;
        continue;
      }
    }
    literal += ch;
    i++;
  }
  flush();
  return out;
}

/** Environment variable names we pass on; anything else could be a shell injection. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
