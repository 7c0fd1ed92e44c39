/**
 * The quality score `discover` ranks by, 0–100: how much there is to trust before running a
 * stranger's server on the hub's machine. It is not relevance (both sources already matched the
 * query) and not a security review. docs/servers.md explains it to operators; keep them in step.
 *
 * Points per signal (they add up to 100):
 * - registry (25): listed, and not deprecated, in the official MCP Registry, whose publishers
 *   prove they own the GitHub account or domain their server's name is under.
 * - downloads (30): weekly npm downloads on a log scale: 10 → 6, 1,000 → 18, 100,000+ → 30.
 * - recency (20): the last publish; full within 90 days, falling linearly to nothing at 2 years.
 * - repository (15): a source repository is named, so the code can be read before it is run.
 * - description (10): it says what it does.
 * An unknown value (no download count, no date) scores nothing for that signal; so does a
 * publish date in the future (beyond a week of clock skew), which anyone can put in a
 * registry to look fresh.
 */
export const SCORE_WEIGHTS = {
  registry: 25,
  downloads: 30,
  recency: 20,
  repository: 15,
  description: 10,
} as const;

/** Weekly downloads that earn the full downloads points (log10 scale). */
const FULL_DOWNLOADS_LOG10 = 5;
const FRESH_DAYS = 90;
const STALE_DAYS = 730;
const DAY_MS = 86_400_000;
/** A publish date up to this far ahead of our clock is taken as skew ("now"); further ahead, as unknown. */
const CLOCK_SKEW_MS = 7 * DAY_MS;

export interface QualitySignals {
  /** Listed in the official MCP Registry and not deprecated there. */
  inRegistry: boolean;
  weeklyDownloads: number | null;
  lastPublish: Date | null;
  hasRepository: boolean;
  hasDescription: boolean;
}

export type ScoreParts = Record<keyof typeof SCORE_WEIGHTS, number>;

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** Each signal's points, unrounded. */
export function scoreParts(signals: QualitySignals, now: Date): ScoreParts {
  const downloads =
    signals.weeklyDownloads !== null && signals.weeklyDownloads > 0
      ? clamp01(Math.log10(signals.weeklyDownloads + 1) / FULL_DOWNLOADS_LOG10)
      : 0;
  let recency = 0;
  const ageMs = signals.lastPublish ? now.getTime() - signals.lastPublish.getTime() : Number.NaN;
  if (ageMs >= -CLOCK_SKEW_MS) {
    const days = Math.max(0, ageMs) / DAY_MS;
    recency = clamp01(1 - (days - FRESH_DAYS) / (STALE_DAYS - FRESH_DAYS));
  }
  return {
    registry: signals.inRegistry ? SCORE_WEIGHTS.registry : 0,
    downloads: downloads * SCORE_WEIGHTS.downloads,
    recency: recency * SCORE_WEIGHTS.recency,
    repository: signals.hasRepository ? SCORE_WEIGHTS.repository : 0,
    description: signals.hasDescription ? SCORE_WEIGHTS.description : 0,
  };
}

/** The score, a whole number from 0 to 100. */
export function qualityScore(signals: QualitySignals, now: Date): number {
  const parts = scoreParts(signals, now);
  return Math.round(Object.values(parts).reduce((sum, p) => sum + p, 0));
}
