import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface TokenEntry {
  name: string;
  /** sha256 of the token, hex. The token itself is never stored. */
  sha256: string;
}

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A new random bearer token: 32 bytes, base64url. */
export const generateToken = (): string => `mcpf_${randomBytes(32).toString('base64url')}`;

/**
 * Finds the token entry matching an `Authorization: Bearer …` header. The presented token is
 * hashed and compared with every stored hash in constant time, and the loop never stops
 * early, so timing reveals neither which entry matched nor how much of a hash did.
 */
export function verifyBearer(
  header: string | undefined,
  tokens: readonly TokenEntry[],
): TokenEntry | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const presented = Buffer.from(hashToken(match[1]), 'hex');
  let found: TokenEntry | undefined;
  for (const entry of tokens) {
    const stored = Buffer.from(entry.sha256, 'hex');
    if (stored.length === presented.length && timingSafeEqual(stored, presented) && !found) found = entry;
  }
  return found;
}
