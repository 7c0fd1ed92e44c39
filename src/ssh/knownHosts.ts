import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { FleetError } from '../errors/index.js';

/** One usable line of an OpenSSH known_hosts file (see sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"). */
export interface KnownHostEntry {
  /** 1-based line number, so a refusal can point the operator at the exact line. */
  line: number;
  marker: 'cert-authority' | 'revoked' | null;
  /** Raw host field: a comma list of patterns, or one hashed `|1|salt|hmac` name. */
  hosts: string;
  keyType: string;
  /** Decoded public key blob (the same bytes ssh2 hands to its `hostVerifier`). */
  key: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** DNS names, IPv4, IPv6 (with `%zone`): no whitespace, commas, wildcards, `!`, `|`, `@` or brackets. */
const SAFE_HOST = /^[A-Za-z0-9._:%-]+$/;
/** HMAC-SHA1 output and salt size of OpenSSH's `|1|` hashed names. */
const SHA1_BYTES = 20;

/**
 * Reads known_hosts text the way ssh does: comments, blank lines and anything it could not
 * use (unknown `@marker`, bad base64, a key blob whose type disagrees with the type field,
 * legacy RSA1 lines) are skipped, never fatal, so one bad line cannot lock us out of a fleet.
 */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = (lines[i] ?? '').trim().split(/[ \t]+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0].startsWith('@')) {
      if (fields[0] === '@cert-authority') marker = 'cert-authority';
      else if (fields[0] === '@revoked') marker = 'revoked';
      else continue;
      fields.shift();
    }
    const [hosts, keyType, b64] = fields;
    if (hosts === undefined || keyType === undefined || b64 === undefined || !BASE64.test(b64)) continue;
    const key = Buffer.from(b64, 'base64');
    if (readSshString(key) !== keyType) continue;
    entries.push({ line: i + 1, marker, hosts, keyType, key });
  }
  return entries;
}

/**
 * The name ssh looks up for a destination: `host` on port 22, `[host]:port` otherwise.
 * Lowercased because ssh lowercases the destination before any known_hosts lookup.
 */
function lookupName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/**
 * Whether `entry` applies to host:port. A non-22 port is looked up as `[host]:port`, so a
 * plain `host` entry only covers port 22 (a bare `*` pattern still covers every port, as in
 * OpenSSH). Any matching `!pattern` rejects the entry even when another pattern matches.
 */
export function entryMatchesHost(entry: KnownHostEntry, host: string, port: number): boolean {
  const name = lookupName(host, port);
  if (entry.hosts.startsWith('|')) return hashedNameMatches(entry.hosts, name);
  let positive = false;
  for (const raw of entry.hosts.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (!globMatches(pattern, name)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(key=salt, data=name))`, as written by `ssh-keygen -H`. */
function hashedNameMatches(field: string, name: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[0] !== '' || parts[1] !== '1') return false;
  const [salt64, mac64] = [parts[2] ?? '', parts[3] ?? ''];
  if (!BASE64.test(salt64) || !BASE64.test(mac64)) return false;
  const salt = Buffer.from(salt64, 'base64');
  const expected = Buffer.from(mac64, 'base64');
  if (salt.length !== SHA1_BYTES || expected.length !== SHA1_BYTES) return false;
  const actual = createHmac('sha1', salt).update(name).digest();
  return timingSafeEqual(actual, expected);
}

/**
 * OpenSSH `match_pattern` (case-sensitive): `*` is any run of characters, `?` exactly one,
 * nothing else is special. Shared with ssh_config Host matching. Iterative with single-star
 * backtracking, so hostile patterns stay cheap where naive recursion or a regex could blow up.
 */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starT = t;
    } else if (pc !== undefined && (pc === '?' || pc === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** The SSH wire string at the start of a blob, or undefined if the blob is too short. */
function readSshString(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || blob.length < 4 + length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

/**
 * The key type named inside a public key blob (`ssh-ed25519`, `ssh-rsa`, …). RSA blobs always
 * say `ssh-rsa`; `rsa-sha2-*` are signature algorithms, not key types.
 */
export function keyTypeOfBlob(blob: Buffer): string {
  const type = readSshString(blob);
  if (type === undefined) {
    throw new FleetError('INVALID_ARGUMENT', 'malformed SSH public key blob: no key type string', {
      length: blob.length,
    });
  }
  return type;
}

/** `SHA256:<unpadded base64>`, byte for byte what `ssh-keygen -lf` prints, so pins can be pasted. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * A known_hosts line for host:port (`host type b64`, or `[host]:port type b64` off port 22).
 * Refuses host names that would turn into patterns, markers or extra fields: the line is
 * appended to a trust file, so a crafted name must not be able to trust other hosts.
 */
export function knownHostsLine(host: string, port: number, blob: Buffer): string {
  if (!SAFE_HOST.test(host)) {
    throw new FleetError(
      'INVALID_ARGUMENT',
      `cannot write a known_hosts entry for host name ${JSON.stringify(host)}`,
      {
        host,
      },
    );
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new FleetError('INVALID_ARGUMENT', `cannot write a known_hosts entry for port ${port}`, { port });
  }
  return `${lookupName(host, port)} ${keyTypeOfBlob(blob)} ${blob.toString('base64')}`;
}
