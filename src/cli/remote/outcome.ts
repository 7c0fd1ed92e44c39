import { z } from 'zod';

/** Exit codes of the commands that talk to a hub (docs/cli.md). */
export const EXIT = {
  /** Every device answered and succeeded. */
  ok: 0,
  /** Some device failed: an error, or a command or action that failed there. */
  failed: 1,
  /** The call never ran: bad usage or config, the hub unreachable, the token refused. */
  usage: 2,
} as const;

/** One device's entry of a fleet tool's result, read leniently (an older hub may add fields). */
export const EntrySchema = z.object({
  device: z.string(),
  ok: z.boolean(),
  duration_ms: z.number(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type Entry = z.output<typeof EntrySchema>;

const FleetOutputSchema = z.object({ summary: z.string().optional(), results: z.array(EntrySchema) });

/** The per-device entries of a hub tool's structured result, or `undefined` when it has none (a passthrough tool). */
export function fleetEntries(structured: unknown): Entry[] | undefined {
  const parsed = FleetOutputSchema.safeParse(structured);
  return parsed.success ? parsed.data.results : undefined;
}

/**
 * Whether a device's entry counts as a failure for the exit code: the device failed, or it ran
 * the call and the thing it ran failed (a command's exit code other than 0, or no exit code
 * because a signal or timeout ended it; a service action that did not succeed).
 */
export function entryFailed(entry: Entry): boolean {
  if (!entry.ok) return true;
  const r = entry.result;
  if (!r) return false;
  if ('exit_code' in r && 'stdout' in r && r.exit_code !== 0) return true;
  if ('ok' in r && r.ok === false) return true;
  return false;
}

export function exitCodeFor(entries: readonly Entry[]): number {
  return entries.some(entryFailed) ? EXIT.failed : EXIT.ok;
}

/**
 * Codes of a tool error that mean the call was refused as a whole before any device ran
 * (bad targets or arguments, the token's role or reach): the caller's to fix, exit 2.
 */
const USAGE_CODES = new Set([
  'INVALID_TARGETS',
  'INVALID_ARGUMENT',
  'USAGE',
  'POLICY_DENIED',
  'UNAUTHORIZED',
]);

export function exitCodeForToolError(code: string): number {
  return USAGE_CODES.has(code) ? EXIT.usage : EXIT.failed;
}

/** A tool error's text is `CODE: message` (see the hub's toolError); anything else is TOOL_ERROR. */
export function parseToolError(text: string): { code: string; message: string } {
  const match = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(text.trim());
  return match?.[1] && match[2] !== undefined
    ? { code: match[1], message: match[2] }
    : { code: 'TOOL_ERROR', message: text.trim() || 'the tool failed' };
}
