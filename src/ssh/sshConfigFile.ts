import { readFile as fsReadFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig, { type Directive, type Line, LineType, parse } from 'ssh-config';
import { FleetError } from '../errors/index.js';
import { globMatches } from './knownHosts.js';

/** What ~/.ssh/config says about one destination; fields the file does not set stay unset/empty. */
export interface SshConfigHost {
  hostName?: string;
  port?: number;
  user?: string;
  identityFiles: string[];
  userKnownHostsFiles: string[];
  proxyJump?: string;
}

export interface SshConfigEnv {
  /** Local home directory, for `~` and `%d`. */
  home: string;
  /** Local user name, for `%u` and the default `%r`. */
  localUser: string;
}

export interface ReadSshConfigDeps {
  /** Defaults to `<home>/.ssh/config`. */
  file?: string;
  readFile?: (path: string) => Promise<string>;
  home?: string;
  localUser?: string;
}

/**
 * Directives we drop before asking ssh-config to compute: `Match` blocks (unsupported here, and
 * `Match exec` would run a shell), `Include` (unsupported), and canonicalization, which makes
 * ssh-config spawn `nslookup` from inside `compute()`.
 */
const DROPPED = /^(match|include|canonicalizehostname|canonicaldomains)$/i;

function isDropped(line: Line): boolean {
  return line.type === LineType.DIRECTIVE && DROPPED.test(line.param);
}

/**
 * ssh_config(5) Host matching: whitespace-separated patterns, case-sensitive against the alias
 * as typed, and any matching `!pattern` excludes the section.
 */
function hostSectionMatches(value: Directive['value'], alias: string): boolean {
  const patterns = typeof value === 'string' ? [value] : value.map(({ val }) => val);
  let positive = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    if (!globMatches(negated ? raw.slice(1) : raw, alias)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/**
 * A copy of the parsed file holding only the Host sections that apply to `alias` (rewritten to
 * `Host *`) and the supported directives. We pick sections ourselves because ssh-config's own
 * matcher lets `?` match zero characters and splits patterns on commas, unlike OpenSSH.
 */
function supportedSubset(config: SSHConfig, alias: string): SSHConfig {
  const subset = new SSHConfig();
  for (const line of config) {
    if (isDropped(line)) continue;
    if (!('config' in line)) {
      subset.push(line);
      continue;
    }
    if (!hostSectionMatches(line.value, alias)) continue;
    const inner = new SSHConfig();
    for (const sub of line.config) if (!isDropped(sub)) inner.push(sub);
    subset.push({ ...line, value: '*', config: inner });
  }
  return subset;
}

function invalid(message: string): FleetError {
  return new FleetError('CONFIG_INVALID', message);
}

/**
 * ssh_config(5) TOKENS: `%%` and the given letters; any other token is an error, as in ssh,
 * because silently keeping `%C` would yield a path that never exists.
 */
function expandTokens(value: string, tokens: Readonly<Record<string, string>>, directive: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const token = value[++i];
    if (token === '%') out += '%';
    else if (token !== undefined && Object.hasOwn(tokens, token)) out += tokens[token];
    else throw invalid(`${directive} ${value}: unsupported token %${token ?? ''}`);
  }
  return out;
}

/** `~` and `~/…` become the home directory; `~user/…` would need the password database, so it is refused. */
function expandTilde(value: string, home: string, directive: string): string {
  if (value === '~') return home;
  if (value.startsWith('~/')) return join(home, value.slice(2));
  if (value.startsWith('~')) throw invalid(`${directive} ${value}: ~user paths are not supported`);
  return value;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Resolves `alias` through an OpenSSH client config text (Host/Match-less subset: Host patterns, HostName with %h, Port, User, IdentityFile and UserKnownHostsFile with ~ and %d/%u/%h/%r/%n/%p/%% tokens expanded, ProxyJump). First value wins, as in ssh_config(5).
 * `Include` and `Match` blocks are not supported and are ignored; `${ENV}` references are left as written.
 */
export function resolveSshConfig(text: string, alias: string, env: SshConfigEnv): SshConfigHost {
  let parsed: SSHConfig;
  try {
    parsed = parse(text);
  } catch (error) {
    throw invalid(`cannot parse ssh config: ${error instanceof Error ? error.message : String(error)}`);
  }
  const values = supportedSubset(parsed, alias).compute(alias, { ignoreCase: true, matchExec: false });

  const rawHostName = single(values.hostname);
  const hostName =
    rawHostName === undefined ? undefined : expandTokens(rawHostName, { h: alias }, 'HostName');
  const rawPort = single(values.port);
  let port: number | undefined;
  if (rawPort !== undefined) {
    port = /^[0-9]+$/.test(rawPort) ? Number(rawPort) : Number.NaN;
    if (!(port >= 1 && port <= 65_535)) throw invalid(`Port ${rawPort}: not a port number (1-65535)`);
  }
  const user = single(values.user);
  const tokens: Record<string, string> = {
    d: env.home,
    u: env.localUser,
    h: hostName ?? alias,
    r: user ?? env.localUser,
    n: alias,
    p: String(port ?? 22),
  };
  const path = (value: string, directive: string) =>
    expandTokens(expandTilde(value, env.home, directive), tokens, directive);

  const knownHosts = list(values.userknownhostsfile);
  const proxyJump = single(values.proxyjump);
  const result: SshConfigHost = {
    identityFiles: list(values.identityfile).map((file) => path(file, 'IdentityFile')),
    // `UserKnownHostsFile none` means "no user file at all", not a file called none.
    userKnownHostsFiles:
      knownHosts.length === 1 && knownHosts[0]?.toLowerCase() === 'none'
        ? []
        : knownHosts.map((file) => path(file, 'UserKnownHostsFile')),
  };
  if (hostName !== undefined) result.hostName = hostName;
  if (port !== undefined) result.port = port;
  if (user !== undefined) result.user = user;
  if (proxyJump !== undefined && proxyJump.toLowerCase() !== 'none') result.proxyJump = proxyJump;
  return result;
}

function defaultLocalUser(): string {
  try {
    return userInfo().username;
  } catch {
    // userInfo() throws for a uid without a passwd entry (common in containers).
    return process.env.USER ?? process.env.LOGNAME ?? '';
  }
}

/**
 * Reads the user's ssh client config for `alias`, so fleet entries can say just `ssh: web1`.
 * A missing file is an empty result; an unreadable or unparsable one is CONFIG_INVALID naming the file.
 */
export async function readSshConfig(alias: string, deps: ReadSshConfigDeps = {}): Promise<SshConfigHost> {
  const home = deps.home ?? homedir();
  const localUser = deps.localUser ?? defaultLocalUser();
  const file = deps.file ?? join(home, '.ssh', 'config');
  const readFile = deps.readFile ?? ((path: string) => fsReadFile(path, 'utf8'));
  let text: string;
  try {
    text = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') text = '';
    else {
      const why = error instanceof Error ? error.message : String(error);
      throw new FleetError(
        'CONFIG_INVALID',
        `cannot read ssh config ${file}: ${why}`,
        { path: file },
        { cause: error },
      );
    }
  }
  try {
    return resolveSshConfig(text, alias, { home, localUser });
  } catch (error) {
    if (!(error instanceof FleetError)) throw error;
    throw new FleetError('CONFIG_INVALID', `${file}: ${error.message}`, { path: file }, { cause: error });
  }
}
