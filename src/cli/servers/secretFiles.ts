import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { FleetError } from '../../errors/index.js';

/**
 * Secrets for stdio servers without putting them in fleet.yaml: the hub has no way to fill a
 * server's `env` from elsewhere, so the server is started through `sh`, which reads each secret
 * from a file only the hub's user can read. `--secret-file NAME=PATH` on `servers add`.
 */

/** `$0` of the wrapper script, so `servers list` can show what it wraps. */
export const SECRET_WRAPPER = 'mcp-fleet-secrets';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `NAME=PATH` pairs, paths made absolute (the hub may run elsewhere); `~/` is the home directory. */
export function parseSecretFiles(
  pairs: readonly string[],
  cwd: string = process.cwd(),
  home: string = homedir(),
): Array<{ name: string; path: string }> {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, Math.max(0, eq));
    const path = pair.slice(eq + 1);
    if (eq <= 0 || !ENV_NAME.test(name) || path === '') {
      throw new FleetError('USAGE', `--secret-file wants NAME=PATH, not "${pair}"`);
    }
    return { name, path: path.startsWith('~/') ? resolve(home, path.slice(2)) : resolve(cwd, path) };
  });
}

/**
 * Runs a stdio server through `sh`, which reads each secret from its file into the environment
 * and then execs the server. The secret stays out of fleet.yaml and out of every process's
 * arguments; the files are passed as positional parameters, never spliced into the script, and
 * the names are checked to be plain identifiers first. A missing file fails the start (and the
 * hub retries with backoff), rather than starting the server without its credential.
 */
export function wrapWithSecretFiles(
  command: string,
  args: readonly string[],
  files: ReadonlyArray<{ name: string; path: string }>,
): { command: string; args: string[] } {
  if (files.length === 0) return { command, args: [...args] };
  const reads = files.map((f, i) => `${f.name}="$(cat -- "$${i + 1}")"`).join(' && ');
  const names = files.map((f) => f.name).join(' ');
  const script = `${reads} && export ${names} && shift ${files.length} && exec "$@"`;
  return {
    command: 'sh',
    args: ['-c', script, SECRET_WRAPPER, ...files.map((f) => f.path), command, ...args],
  };
}

/** What a wrapped command runs and which variables it reads from files; `null` when not wrapped. */
export function unwrapSecretFiles(
  command: string,
  args: readonly string[],
): { command: string; args: string[]; secrets: string[] } | null {
  if (command !== 'sh' || args[0] !== '-c' || args[2] !== SECRET_WRAPPER) return null;
  const secrets = [...(args[1] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="\$\(cat/g)].map((m) => m[1] ?? '');
  const rest = args.slice(3 + secrets.length);
  return { command: rest[0] ?? '', args: rest.slice(1), secrets };
}
