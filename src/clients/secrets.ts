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

/** `accessToken` → `access_Token`, so camelCase names meet the separators SECRET_NAME looks for. */
const splitCamel = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2');

const secretName = (name: string) => SECRET_NAME.test(splitCamel(name));

/**
 * True for a URL that carries a credential: user info (`https://user:pass@host`, or a bare
 * `https://token@host`) or a query parameter whose name or value looks secret (`?api_key=…`,
 * `?token=…`, `?sig=…`). Such a URL is a secret as a whole.
 */
export function urlCarriesSecret(value: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return /:\/\/[^/\s]*@/.test(value); // unparseable, but something@host is still user info
  }
  if (url.username || url.password) return true;
  for (const [name, param] of url.searchParams) {
    if (secretName(name) || /^(sig|signature|code|access_token|apikey|api_key|key)$/i.test(name)) return true;
    if (looksSecretValue(param)) return true;
  }
  return false;
}

/** True for a value that is probably a credential (or a URL carrying one). */
export function looksSecretValue(value: string): boolean {
  if (SECRET_PREFIX.test(value)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i.test(value)) return true; // scheme://user:password@host
  if (value.includes('://') && urlCarriesSecret(value)) return true;
  if (value.length < 24 || value.startsWith('/') || value.includes('://')) return false;
  // A long run of token characters with letters and digits mixed: a key, not a word or a path.
  return /^[A-Za-z0-9_\-+/=.~]+$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

/** True when the variable's name or its value says it holds a secret. */
export function looksSecret(name: string, value: string): boolean {
  return secretName(name) || looksSecretValue(value);
}

/** A command-line flag whose value is a credential: `--*key*`, `--*token*`, `--password`, `--secret`. */
const SECRET_FLAG = /^--?[A-Za-z0-9_.-]*(key|token|password|passwd|secret|credential)[A-Za-z0-9_.-]*$/i;

/**
 * The arguments of a command line that look secret, named for a report (the flag, or
 * `argument N`; never the value): a value that looks secret by itself (a key format, a URL
 * with credentials), or the value of a secret-named flag, given as `--api-key=value` or as
 * `--api-key value`.
 */
export function secretArguments(args: readonly string[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.indexOf('=');
    const next = args[i + 1];
    if (eq > 0 && SECRET_FLAG.test(arg.slice(0, eq)) && arg.length > eq + 1) found.push(arg.slice(0, eq));
    else if (eq < 0 && SECRET_FLAG.test(arg) && next !== undefined && !next.startsWith('-')) {
      found.push(arg);
      i++; // its value is reported under the flag's name
    } else if (looksSecretValue(arg)) found.push(`argument ${i + 1}`);
  }
  return [...new Set(found)];
}

/** A value that refers to a variable the client would expand (`${X}`, `${env:X}`, `$X`). */
export function isVariableReference(value: string): boolean {
  return /\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*/.test(value);
}
