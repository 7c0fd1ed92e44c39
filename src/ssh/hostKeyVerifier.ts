import { appendFile as fsAppendFile, readFile as fsReadFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FleetError } from '../errors/index.js';
import {
  entryMatchesHost,
  fingerprintSha256,
  type KnownHostEntry,
  keyTypeOfBlob,
  knownHostsLine,
  parseKnownHosts,
} from './knownHosts.js';

/** What the operator configured for one SSH destination's host key. */
export interface HostKeyPolicy {
  host: string;
  port: number;
  /** Pinned fingerprints ('SHA256:…'); when given, only these keys are accepted and known_hosts is not consulted. */
  pinned?: readonly string[];
  /** known_hosts files to consult in order (missing files are fine = no entries). The first is where trust_on_first_use records a new key. */
  knownHostsFiles: readonly string[];
  trustOnFirstUse: boolean;
}

export type HostKeyAcceptance = 'pinned' | 'known' | 'trusted-on-first-use';

/** Decides whether the key an SSH server offers may be trusted; plugs into ssh2's `hostVerifier`. */
export interface HostKeyVerifier {
  /** Resolves how the key was accepted, or rejects with FleetError('HOST_KEY_REJECTED', …). */
  verify(blob: Buffer): Promise<HostKeyAcceptance>;
  /** Host-key algorithms to prefer (the types known for this host first), for ssh2's algorithms.serverHostKey; undefined when nothing is known. */
  preferredKeyTypes(): Promise<string[] | undefined>;
}

export interface HostKeyVerifierDeps {
  readFile?: (path: string) => Promise<string>;
  appendFile?: (path: string, text: string) => Promise<void>;
}

type Reason =
  | 'revoked'
  | 'pin-mismatch'
  | 'changed'
  | 'unknown'
  | 'record-failed'
  | 'unreadable'
  | 'malformed';

interface FileEntry extends KnownHostEntry {
  file: string;
}

/**
 * known_hosts stores RSA keys as `ssh-rsa`, but ssh2 negotiates RSA host keys by signature
 * algorithm; the other types ssh2 supports map to themselves. Anything else (sk-*, certs) is
 * left out: ssh2 throws on algorithm names it does not know.
 */
const ALGORITHMS_FOR_TYPE: Readonly<Record<string, readonly string[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** How many known entries a "changed" refusal lists before it stops. */
const MAX_LISTED = 5;

async function defaultAppend(path: string, text: string): Promise<void> {
  // Modes apply only on creation: an existing ~/.ssh or known_hosts keeps the owner's choice.
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await fsAppendFile(path, text, { mode: 0o600 });
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Builds the host-key check for one destination. Files are re-read on every call (an operator
 * may fix known_hosts between attempts); calls are serialized so that two connections racing
 * through trust-on-first-use cannot both record a (possibly different) key for the same host.
 */
export function createHostKeyVerifier(
  policy: HostKeyPolicy,
  deps: HostKeyVerifierDeps = {},
): HostKeyVerifier {
  const readFile = deps.readFile ?? ((path: string) => fsReadFile(path, 'utf8'));
  const appendFile = deps.appendFile ?? defaultAppend;
  const hostPort = `${policy.host}:${policy.port}`;
  const keyscan = `ssh-keyscan -p ${policy.port} ${policy.host} | ssh-keygen -lf -`;
  let queue: Promise<unknown> = Promise.resolve();

  /** Entries of every file that apply to this host, plus the first file's text and any unreadable file. */
  async function load() {
    const texts: { file: string; text: string | undefined }[] = [];
    let unreadable: { file: string; error: unknown } | undefined;
    for (const file of policy.knownHostsFiles) {
      try {
        texts.push({ file, text: await readFile(file) });
      } catch (error) {
        texts.push({ file, text: undefined });
        if (!isMissing(error)) unreadable ??= { file, error };
      }
    }
    const entries: FileEntry[] = [];
    for (const { file, text } of texts) {
      if (text === undefined) continue;
      for (const entry of parseKnownHosts(text)) {
        if (entryMatchesHost(entry, policy.host, policy.port)) entries.push({ ...entry, file });
      }
    }
    return { entries, firstText: texts[0]?.text, unreadable };
  }

  async function check(blob: Buffer): Promise<HostKeyAcceptance> {
    let keyType = 'unknown';
    const fingerprint = fingerprintSha256(blob);
    const reject = (reason: Reason, message: string, cause?: unknown): never => {
      throw new FleetError(
        'HOST_KEY_REJECTED',
        message,
        { host: policy.host, port: policy.port, fingerprint, key_type: keyType, reason },
        { cause },
      );
    };
    try {
      keyType = keyTypeOfBlob(blob);
    } catch (error) {
      reject('malformed', `host ${hostPort} offered a malformed host key (${fingerprint})`, error);
    }
    const offered = `offered ${keyType} key ${fingerprint}`;

    if (policy.pinned !== undefined) {
      const pins = policy.pinned.map((pin) => pin.trim().replace(/=+$/, ''));
      if (pins.includes(fingerprint)) return 'pinned';
      return reject(
        'pin-mismatch',
        `host key for ${hostPort} does not match ssh.host_key (${pins.join(', ')}): ${offered}. ` +
          `If the host was re-keyed, check the new key out of band (${keyscan}) and update ssh.host_key.`,
      );
    }

    const { entries, firstText, unreadable } = await load();
    if (unreadable) {
      // Refuse rather than guess: the unreadable file may hold this host's real key or a @revoked line.
      const why = unreadable.error instanceof Error ? unreadable.error.message : String(unreadable.error);
      reject(
        'unreadable',
        `cannot check the host key of ${hostPort} (${offered}): known_hosts file ${unreadable.file} ` +
          `is unreadable (${why}). Fix its permissions or remove it from the list.`,
        unreadable.error,
      );
    }
    const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(blob));
    if (revoked) {
      return reject(
        'revoked',
        `host key for ${hostPort} is revoked (${revoked.file}:${revoked.line} marks it @revoked): ${offered}. ` +
          `Refusing it; if the host got a new key, check it out of band (${keyscan}) and pin or record that one.`,
      );
    }
    const known = entries.filter((e) => e.marker === null);
    if (known.some((e) => e.key.equals(blob))) return 'known';
    if (known.length > 0) {
      const listed = known
        .slice(0, MAX_LISTED)
        .map((e) => `${e.file}:${e.line} (${e.keyType} ${fingerprintSha256(e.key)})`)
        .join(', ');
      const lookup = policy.port === 22 ? policy.host : `[${policy.host}]:${policy.port}`;
      const files = [...new Set(known.map((e) => e.file))];
      return reject(
        'changed',
        `HOST KEY CHANGED for ${hostPort}: ${offered}, but known_hosts has ${listed}. ` +
          'This may be a man-in-the-middle attack, or the host was re-keyed. ' +
          `Check the new key out of band (${keyscan}); if it is genuine, remove the old entry ` +
          `(${files.map((f) => `ssh-keygen -R '${lookup}' -f ${f}`).join('; ')}) ` +
          `or pin it with ssh.host_key: "${fingerprint}". trust_on_first_use never replaces a known key.`,
      );
    }

    const target = policy.knownHostsFiles[0];
    if (!policy.trustOnFirstUse || target === undefined) {
      const addTo = target ?? 'a known_hosts file';
      return reject(
        'unknown',
        `host key for ${hostPort} is unknown: ${offered}. ` +
          `Pin it with ssh.host_key: "${fingerprint}" after checking it out of band (${keyscan}), ` +
          `add it to ${addTo}, or set ssh.trust_on_first_use: true` +
          (target === undefined && policy.trustOnFirstUse
            ? ' with a known_hosts file to record it in.'
            : '.'),
      );
    }
    // Appending to a file whose last line lacks a newline would glue our entry onto it.
    const separator = firstText !== undefined && firstText !== '' && !firstText.endsWith('\n') ? '\n' : '';
    try {
      await appendFile(target, `${separator}${knownHostsLine(policy.host, policy.port, blob)}\n`);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      reject(
        'record-failed',
        `host key for ${hostPort} is unknown (${offered}) and trust_on_first_use could not record it in ` +
          `${target}: ${why}. Fix the file's permissions, or pin it with ssh.host_key: "${fingerprint}" ` +
          `after checking it out of band (${keyscan}).`,
        error,
      );
    }
    return 'trusted-on-first-use';
  }

  return {
    verify(blob) {
      const run = queue.then(() => check(blob));
      queue = run.catch(() => undefined);
      return run;
    },

    async preferredKeyTypes() {
      if (policy.pinned !== undefined) return undefined;
      // Lenient: an unreadable file must not fail the handshake setup; verify() reports it.
      const { entries } = await load();
      const algorithms: string[] = [];
      for (const entry of entries) {
        if (entry.marker !== null) continue;
        for (const algorithm of ALGORITHMS_FOR_TYPE[entry.keyType] ?? []) {
          if (!algorithms.includes(algorithm)) algorithms.push(algorithm);
        }
      }
      return algorithms.length > 0 ? algorithms : undefined;
    },
  };
}
