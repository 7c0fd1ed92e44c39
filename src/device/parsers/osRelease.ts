/** Distribution identity from `/etc/os-release` (or `/usr/lib/os-release`). */
export type OsRelease = {
  /** Lower-case distribution id, e.g. `debian`, `raspbian`, `ubuntu`. */
  id: string | null;
  name: string | null;
  version_id: string | null;
  /** Human-readable name, e.g. `Raspbian GNU/Linux 12 (bookworm)`. */
  pretty_name: string | null;
};

/**
 * Undoes the shell quoting os-release(5) allows: double quotes (with `\"`, `\\`, `\$`, `` \` ``
 * escapes), single quotes (literal), and backslash escapes outside quotes.
 */
function unquote(raw: string): string {
  let out = '';
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < raw.length; i++) {
    const char = raw.charAt(i);
    if (quote === "'") {
      if (char === "'") quote = null;
      else out += char;
    } else if (char === '\\') {
      const next = raw.charAt(i + 1);
      if (next === '') break;
      if (quote === '"' && !'"\\$`'.includes(next)) out += char;
      out += next;
      i++;
    } else if (char === quote) {
      quote = null;
    } else if (quote === null && (char === '"' || char === "'")) {
      quote = char;
    } else {
      out += char;
    }
  }
  return out;
}

/** Parses os-release `KEY=value` lines, skipping comments, blank and malformed lines. */
export function parseOsRelease(text: string): OsRelease {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*?)\s*$/.exec(line);
    if (match === null) continue;
    const [, key, raw] = match;
    if (key === undefined || raw === undefined) continue;
    values.set(key, unquote(raw));
  }
  const get = (key: string): string | null => {
    const value = values.get(key);
    return value === undefined || value === '' ? null : value;
  };
  return {
    id: get('ID'),
    name: get('NAME'),
    version_id: get('VERSION_ID'),
    pretty_name: get('PRETTY_NAME'),
  };
}
