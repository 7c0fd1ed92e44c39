import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { createSerializer, readJsonState, withFileLock, writeJsonAtomic } from '../../config/index.js';
import { FleetError } from '../../errors/index.js';

export const DEFAULT_JOIN_TTL_MS = 60 * 60 * 1000;
export const MAX_JOIN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const JoinTokenEntrySchema = z
  .object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits'),
    created_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
  })
  .strict();

/** `join-tokens.json`: hashes only, so reading the file does not let anyone enroll. */
export const JoinTokensFileSchema = z
  .object({ version: z.literal(1), tokens: z.array(JoinTokenEntrySchema) })
  .strict();

type JoinTokenEntry = z.output<typeof JoinTokenEntrySchema>;

export interface JoinTokenStore {
  /** Makes a single-use token valid for `ttlMs`; the token is returned once and never stored. */
  create(ttlMs?: number): Promise<{ token: string; expires_at: string }>;
  /** True if the token is pending and unexpired; uses nothing up (a precheck before other refusals). */
  isValid(token: string): Promise<boolean>;
  /** Uses the token up: true once for a pending, unexpired token, false ever after. */
  consume(token: string): Promise<boolean>;
}

export interface JoinTokenStoreDeps {
  now?: () => number;
}

/** A join token: `mcpj_` and 32 random bytes, base64url; the prefix tells it from bearer tokens. */
export const generateJoinToken = (): string => `mcpj_${randomBytes(32).toString('base64url')}`;

const sha256 = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

const UNITS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a ttl such as `30m`, `1h`, `2d`, `90s` or `90` (seconds) into milliseconds, up to 7 days. */
export function parseTtl(text: string): number {
  const m = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0) : Number.NaN;
  if (!(ms > 0) || ms > MAX_JOIN_TTL_MS) {
    throw new FleetError('USAGE', `invalid ttl ${text}: want 30m, 1h, 2d or seconds, above 0 and up to 7d`);
  }
  return ms;
}

/** Index of the entry whose hash matches, comparing every entry in constant time. */
function findEntry(entries: readonly JoinTokenEntry[], token: string): number {
  const presented = sha256(token);
  let found = -1;
  entries.forEach((entry, index) => {
    const stored = Buffer.from(entry.sha256, 'hex');
    // No early exit: timing reveals neither which entry matched nor how far a hash did.
    if (stored.length === presented.length && timingSafeEqual(stored, presented) && found < 0) found = index;
  });
  return found;
}

/**
 * Join tokens kept in `path`. Writes are serialized within the process (the hub answers
 * concurrent enroll requests) and locked across processes (`token create --join` runs beside
 * a hub), so two consumes of one token cannot both succeed and no write loses another's.
 */
export function createJoinTokenStore(path: string, deps: JoinTokenStoreDeps = {}): JoinTokenStore {
  const now = deps.now ?? Date.now;
  const serialize = createSerializer();
  const load = async (): Promise<JoinTokenEntry[]> =>
    (await readJsonState(JoinTokensFileSchema, path))?.tokens ?? [];
  const live = (entries: JoinTokenEntry[]): JoinTokenEntry[] => {
    const t = now();
    return entries.filter((e) => Date.parse(e.expires_at) > t);
  };
  const save = (tokens: JoinTokenEntry[]) => writeJsonAtomic(path, { version: 1, tokens });
  const update = <T>(fn: (entries: JoinTokenEntry[]) => Promise<T>) =>
    serialize(() => withFileLock(path, async () => fn(await load())));

  return {
    async create(ttlMs = DEFAULT_JOIN_TTL_MS) {
      if (!(ttlMs > 0 && ttlMs <= MAX_JOIN_TTL_MS)) {
        throw new FleetError('USAGE', `join token ttl must be above 0 and at most 7 days, not ${ttlMs} ms`);
      }
      return update(async (entries) => {
        const token = generateJoinToken();
        const t = now();
        const expires_at = new Date(t + ttlMs).toISOString();
        const entry = {
          sha256: sha256(token).toString('hex'),
          created_at: new Date(t).toISOString(),
          expires_at,
        };
        await save([...live(entries), entry]);
        return { token, expires_at };
      });
    },
    async isValid(token) {
      return findEntry(live(await load()), token) >= 0;
    },
    consume(token) {
      return update(async (entries) => {
        const pending = live(entries);
        const index = findEntry(pending, token);
        if (index >= 0) pending.splice(index, 1);
        // Expired entries are pruned on the way; nothing changed means nothing to write.
        if (pending.length !== entries.length) await save(pending);
        return index >= 0;
      });
    },
  };
}
