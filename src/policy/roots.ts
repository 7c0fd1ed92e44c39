import type { Decision } from './decision.js';
import { allow, deny, forDisplay } from './decision.js';

/** Linux PATH_MAX; no canonical path is longer. */
const MAX_PATH_BYTES = 4096;

/** What makes any path unusable, canonical or not: too long for a syscall, a NUL, not absolute. */
function requestProblem(path: string): string | undefined {
  if (Buffer.byteLength(path, 'utf8') >= MAX_PATH_BYTES) return `is ${MAX_PATH_BYTES} bytes or longer`;
  if (path.includes('\0')) return 'contains a NUL character';
  if (!path.startsWith('/')) return 'is not absolute';
  return undefined;
}

/**
 * Why `path` is not a canonical absolute path, or `undefined` if it is one. `realpath` output is
 * absolute, has no `.`/`..` components, no `//`, no trailing slash (except `/` itself) and no NUL;
 * anything else means the caller skipped canonicalisation, and comparing such a string against the
 * roots as text would be wrong (`/srv/data/../../etc` starts with `/srv/data/`).
 */
export function canonicalPathProblem(path: string): string | undefined {
  const problem = requestProblem(path);
  if (problem !== undefined) return problem;
  if (path === '/') return undefined;
  if (path.endsWith('/')) return 'ends with /';
  const components = path.slice(1).split('/');
  if (components.includes('')) return 'contains //';
  if (components.includes('..')) return "contains a '..' component";
  if (components.includes('.')) return "contains a '.' component";
  return undefined;
}

/**
 * The denial for a requested path (before canonicalisation) that no canonicalisation can make
 * acceptable, or `undefined`: a relative path (relative to what? the agent's working directory is
 * not the caller's), one with a NUL (the kernel would cut it there, so the path checked would not
 * be the path used), or one longer than PATH_MAX (the kernel refuses it; resolving it piecewise
 * in user space would succeed and check a different string than any syscall could take). Refused
 * under the same rule as a non-canonical path reaching `evaluatePath`, so a caller sees one rule.
 */
export function requestedPathDenial(path: string): Decision | undefined {
  const problem = requestProblem(path);
  if (problem === undefined) return undefined;
  return deny(
    'roots.invalid_path',
    `path '${forDisplay(path)}' ${problem}; a path must be absolute, without NUL, and shorter than ${MAX_PATH_BYTES} bytes`,
  );
}

/** True when `path` is `root` or below it, comparing whole components (`/srv/data` ≠ `/srv/database`). */
function isWithin(root: string, path: string): boolean {
  if (root === '/') return true;
  const base = root.endsWith('/') ? root.replace(/\/+$/, '') : root;
  return path === base || path.startsWith(`${base}/`);
}

/**
 * Decides whether a file tool may touch `realPath`. Both the roots and the path must already be
 * canonical (realpath'd by the caller, which owns the I/O): this is what defeats symlinks and
 * `/proc/self/root`-style aliases, and it is why non-canonical paths are refused here instead of
 * being normalised as text. The first root (in order) that contains the path decides.
 */
export function evaluatePath(roots: readonly string[], realPath: string): Decision {
  const problem = canonicalPathProblem(realPath);
  if (problem !== undefined) {
    return deny(
      'roots.invalid_path',
      `path '${forDisplay(realPath)}' ${problem}; expected a canonical absolute path`,
    );
  }
  for (const root of roots) {
    if (isWithin(root, realPath)) {
      return allow(`roots:${root}`, `path ${forDisplay(realPath)} is within the allowed root ${root}`);
    }
  }
  const listed = roots.length === 0 ? 'none are configured' : roots.join(', ');
  return deny('roots', `path ${forDisplay(realPath)} is outside the allowed roots (${listed})`);
}
