/**
 * Whether an environment value in a client's config looks like a secret, so `servers import`
 * does not copy it into fleet.yaml (which is meant to be shareable: its own credentials are
 * only ever referenced). Errs on the side of "secret": a false positive costs the operator
 * one line of fleet.yaml by hand, a false negative leaks a key into a file that gets committed.
 */

const SECRET_NAME =
  /(^|[_-])(TOKEN|TOKENS|SECRET|SECRETS|PASSWORD|PASSWD|PASS|PWD|PIN|KEY|KEYS|APIKEY|CREDENTIAL|CREDENTIALS|AUTH|AUTHORIZATION|COOKIE|SESSION|PRIVATE|CERT|SIGNATURE|SALT|DSN)([_-]|$)/i;

/** Prefixes of well-known credential formats. */
const SECRET_PREFIX =
  /^(sk-|sk_|pk_|rk_|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[abposr]-|AKIA|ASIA|AIza|ya29\.|eyJ|hf_|npm_|shpat_|SG\.|mcpf_|mcpj_)/;

/** True for a value that is probably a credential (or a URL carrying one). */
export function looksSecretValue(value: string): boolean {
  if (SECRET_PREFIX.test(value)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i.test(value)) return true; // scheme://user:password@host
  if (value.length < 24 || value.startsWith('/') || value.includes('://')) return false;
  // A long run of token characters with letters and digits mixed: a key, not a word or a path.
  return /^[A-Za-z0-9_\-+/=.~]+$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

/** True when the variable's name or its value says it holds a secret. */
export function looksSecret(name: string, value: string): boolean {
  return SECRET_NAME.test(name) || looksSecretValue(value);
}

/** A value that refers to a variable the client would expand (`${X}`, `${env:X}`, `$X`). */
export function isVariableReference(value: string): boolean {
  return /\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*/.test(value);
}
