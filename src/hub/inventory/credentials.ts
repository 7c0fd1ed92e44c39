import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** A resolved credential, or why there is none; a device without one is listed but not called. */
export interface Credential {
  token?: string;
  problem?: string;
}

export interface CredentialRef {
  token_env?: string;
  token_file?: string;
}

/** Expands `~/` and makes a relative path relative to the config file's directory. */
export function configPath(path: string, baseDir: string, home = homedir()): string {
  if (path === '~' || path.startsWith('~/')) return join(home, path.slice(1));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/**
 * Reads a credential by reference. A missing variable or unreadable file is a per-device
 * problem, not a config error: one device's missing secret must not stop the hub serving
 * the others. The token itself is never logged; the problem names only where it was looked for.
 */
export async function resolveCredential(
  ref: CredentialRef,
  env: NodeJS.ProcessEnv,
  baseDir: string,
): Promise<Credential> {
  if (ref.token_env) {
    const value = env[ref.token_env]?.trim();
    return value ? { token: value } : { problem: `token_env ${ref.token_env} is not set` };
  }
  if (ref.token_file) {
    const path = configPath(ref.token_file, baseDir);
    try {
      const value = (await readFile(path, 'utf8')).trim();
      return value ? { token: value } : { problem: `token_file ${path} is empty` };
    } catch (error) {
      return { problem: `token_file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}` };
    }
  }
  return {};
}
