import { isAbsolute, join, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';

/** The configuration files, in the order they are applied (a later one wins). */
export type ConfigLayer = 'system' | 'user' | 'project';

/** Where one effective setting came from, so `config show` can say why it has that value. */
export type ConfigSource =
  | { kind: 'default' }
  | { kind: 'file'; layer: ConfigLayer; path: string; line: number }
  | { kind: 'env'; name: string }
  | { kind: 'flag'; name: string };

export interface Sourced<T> {
  value: T;
  source: ConfigSource;
}

/** One line for humans: `default`, `env MCP_FLEET_HUB_URL`, `flag --hub`, `user /…/config.yaml:3`. */
export function describeSource(source: ConfigSource): string {
  switch (source.kind) {
    case 'default':
      return 'default';
    case 'env':
      return `env ${source.name}`;
    case 'flag':
      return `flag ${source.name}`;
    case 'file':
      return `${source.layer} ${source.path}:${source.line}`;
  }
}

/**
 * A path as a setting gives it: `~/` is the home directory, and a relative path is relative to
 * the file that holds it (or, for a flag or a variable, the working directory), so a project
 * file can say `fleet: ./fleet.yaml` and mean the one beside it wherever the CLI runs from.
 */
export function settingPath(value: string, baseDir: string, home: string): string {
  if (value === '~' || value.startsWith('~/')) return join(home, value.slice(1));
  return isAbsolute(value) ? value : resolve(baseDir, value);
}

/**
 * The line each key path starts on in a YAML text, for sources like `config.yaml:3`. The text
 * has already been validated; a path that is not there gets line 1 rather than an error.
 */
export function keyLines(text: string): (path: readonly string[]) => number {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return (path) => {
    const parent = doc.getIn(path.slice(0, -1), true);
    // The key's own position: for `hub: {url: …}` the line of `url`, not of `hub`.
    if (parent && typeof parent === 'object' && 'items' in parent && Array.isArray(parent.items)) {
      for (const item of parent.items as Array<{ key?: unknown }>) {
        const key = item.key;
        if (isNode(key) && key.range && String((key as { value?: unknown }).value) === path.at(-1)) {
          return lineCounter.linePos(key.range[0]).line;
        }
      }
    }
    const node = doc.getIn(path, true);
    return isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : 1;
  };
}
