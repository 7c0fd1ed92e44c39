import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { pathExists } from '../../config/index.js';
import { readSshConfig, type SshConfigHost } from '../../ssh/index.js';
import { configPath } from './credentials.js';
import type { DeviceConfig, SshConfig } from './schema.js';

/** An SSH device's connection settings with every default and ~/.ssh/config lookup applied. */
export interface ResolvedSsh {
  device: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** Name of the variable holding the passphrase; read when connecting, never stored here. */
  passphraseEnv?: string;
  useAgent: boolean;
  knownHosts: string[];
  hostKeys?: string[];
  trustOnFirstUse: boolean;
  connectTimeoutMs: number;
  keepaliveMs: number;
  idleCloseMs: number;
  maxChannels: number;
  /** The jump host's own settings (`via`), resolved the same way. */
  via?: ResolvedSsh;
  /** Why this device cannot be reached as configured; it is listed, and its calls fail with this. */
  problem?: string;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const list = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export interface ResolveSshDeps {
  env: NodeJS.ProcessEnv;
  baseDir: string;
  home?: string;
  localUser?: string;
  /** ~/.ssh/config lookup (tests point it elsewhere). */
  sshConfig?: (alias: string) => Promise<SshConfigHost>;
}

/**
 * Resolves one SSH device: explicit fleet.yaml values first, then ~/.ssh/config (when
 * `ssh_config: true`), then OpenSSH's own defaults (port 22, the local user, the usual key
 * files, ~/.ssh/known_hosts). `via` is resolved recursively; the schema has ruled out loops.
 */
export async function resolveSsh(
  name: string,
  spec: SshConfig,
  devices: Readonly<Record<string, DeviceConfig>>,
  deps: ResolveSshDeps,
): Promise<ResolvedSsh> {
  const home = deps.home ?? homedir();
  const lookup =
    deps.sshConfig ??
    ((alias: string) =>
      readSshConfig(alias, { home, ...(deps.localUser !== undefined ? { localUser: deps.localUser } : {}) }));
  let fromConfig: SshConfigHost = { identityFiles: [], userKnownHostsFiles: [] };
  let problem: string | undefined;
  if (spec.ssh_config) {
    // One unreadable ~/.ssh/config must not stop the hub serving every other device.
    try {
      fromConfig = await lookup(spec.host);
    } catch (error) {
      problem = (error as Error).message;
    }
    if (fromConfig.proxyJump && !spec.via) {
      problem = `~/.ssh/config gives ${spec.host} a ProxyJump, which is not followed: declare the jump host as an ssh device and set ssh.via`;
    }
  }
  let identityFiles = list(spec.identity_file).map((p) => configPath(p, deps.baseDir, home));
  if (identityFiles.length === 0) identityFiles = fromConfig.identityFiles;
  if (identityFiles.length === 0) {
    const defaults = DEFAULT_KEYS.map((k) => join(home, '.ssh', k));
    identityFiles = (await Promise.all(defaults.map(async (p) => ((await pathExists(p)) ? p : null)))).filter(
      (p): p is string => p !== null,
    );
  }
  let knownHosts = list(spec.known_hosts).map((p) => configPath(p, deps.baseDir, home));
  if (knownHosts.length === 0) knownHosts = fromConfig.userKnownHostsFiles;
  if (knownHosts.length === 0) knownHosts = [join(home, '.ssh', 'known_hosts')];
  const viaName = spec.via;
  const viaSpec = viaName ? devices[viaName]?.ssh : undefined;
  return {
    device: name,
    host: fromConfig.hostName ?? (spec.ssh_config ? spec.host.toLowerCase() : spec.host),
    port: spec.port ?? fromConfig.port ?? 22,
    user: spec.user ?? fromConfig.user ?? deps.localUser ?? userInfo().username,
    identityFiles,
    ...(spec.passphrase_env ? { passphraseEnv: spec.passphrase_env } : {}),
    useAgent: spec.use_agent ?? Boolean(deps.env.SSH_AUTH_SOCK),
    knownHosts,
    ...(spec.host_key ? { hostKeys: list(spec.host_key) } : {}),
    trustOnFirstUse: spec.trust_on_first_use,
    connectTimeoutMs: spec.connect_timeout_s * 1000,
    keepaliveMs: spec.keepalive_s * 1000,
    idleCloseMs: spec.idle_close_s * 1000,
    maxChannels: spec.max_channels,
    ...(viaName && viaSpec ? { via: await resolveSsh(viaName, viaSpec, devices, deps) } : {}),
    ...(problem ? { problem } : {}),
  };
}
