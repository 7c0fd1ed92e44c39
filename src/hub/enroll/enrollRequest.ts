import { z } from 'zod';
import { generateToken } from '../../agent/auth.js';
import { DeviceName } from '../inventory/schema.js';
import { type EnrolledStore, EnrollTagName, EnrollUrl } from './enrolledDevices.js';
import type { JoinTokenStore } from './joinTokens.js';

export interface EnrollDeps {
  joinTokens: JoinTokenStore;
  enrolled: EnrolledStore;
  /** Names the hub already uses for devices that are not enrolled (fleet.yaml, built in, chained). */
  reservedNames: () => ReadonlySet<string>;
  now?: () => number;
  onEnrolled?: (name: string) => void;
}

export interface EnrollResponse {
  status: number;
  body: Record<string, unknown>;
}

/** What an agent sends to `POST /enroll`; the join token is the only credential. */
export const EnrollBodySchema = z
  .object({
    join_token: z.string().min(1).max(256),
    name: DeviceName,
    url: EnrollUrl,
    tags: z.array(EnrollTagName).max(64).default([]),
  })
  .strict();

const INVALID_TOKEN: EnrollResponse = { status: 401, body: { error: 'invalid or expired join token' } };

/**
 * Handles `POST /enroll` (mounted outside bearer auth). Order matters: a malformed body is
 * refused before the token is looked at, so it uses nothing up; the token is checked before
 * names, so only a token holder learns which names are taken; and the token is consumed only
 * once the name is known to be free, so a clash leaves it usable for another try.
 * Store failures (unreadable state dir) throw: the caller answers 500 and logs.
 */
export async function handleEnroll(body: unknown, deps: EnrollDeps): Promise<EnrollResponse> {
  const parsed = EnrollBodySchema.safeParse(body);
  if (!parsed.success) {
    return {
      status: 400,
      body: {
        error: 'invalid enroll request',
        // Paths and messages only: the submitted values (the join token among them) are not echoed.
        problems: parsed.error.issues.map((issue) => ({
          field: issue.path.map((p) => String(p)).join('.'),
          message: issue.message,
        })),
      },
    };
  }
  const { join_token: joinToken, name, url, tags } = parsed.data;
  if (!(await deps.joinTokens.isValid(joinToken))) return INVALID_TOKEN;

  const taken = (): EnrollResponse => ({
    status: 409,
    body: {
      error: `"${name}" is already enrolled; remove it on the hub first (mcp-fleet devices remove ${name})`,
    },
  });
  // Enrolled names first: the hub's reserved set may be every device it serves, enrolled ones
  // included, and an enrolled name must get the advice that fits it (devices remove).
  if (Object.hasOwn(await deps.enrolled.load(), name)) return taken();
  if (deps.reservedNames().has(name)) {
    return {
      status: 409,
      body: {
        error: `"${name}" is already a device of this hub (fleet.yaml, built in or chained); choose another name`,
      },
    };
  }

  // Two requests with the same token may both pass the check above; only one consume succeeds.
  if (!(await deps.joinTokens.consume(joinToken))) return INVALID_TOKEN;
  const credential = generateToken();
  const enrolledAt = new Date((deps.now ?? Date.now)()).toISOString();
  // Hazard: a concurrent request with another token and the same name can win between the
  // check and here; this one then loses its (consumed) token, the rare price of not locking both files.
  if (!(await deps.enrolled.add({ name, url, credential, tags, enrolled_at: enrolledAt }))) return taken();
  deps.onEnrolled?.(name);
  return { status: 201, body: { device: name, credential } };
}
