import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/** What the suite was pointed at: the edge agent or the hub. */
export type Target = 'agent' | 'hub';

/** One check of a scenario, as the conformance CLI writes it to `checks.json`. */
export interface ConformanceCheck {
  id: string;
  status: string;
  description?: string;
  errorMessage?: string;
}

const EntrySchema = z
  .object({
    scenarios: z.array(z.string().min(1)).min(1),
    targets: z.array(z.enum(['agent', 'hub'])).min(1),
    /** When given, exactly these checks fail in each scenario; the others must pass. */
    checks: z.array(z.string().min(1)).min(1).optional(),
    why: z.string().trim().min(20),
  })
  .strict();

const FileSchema = z.record(z.string(), z.array(EntrySchema));

export type ExpectedEntry = z.infer<typeof EntrySchema>;
export type ExpectedFailuresFile = z.infer<typeof FileSchema>;

/** One scenario expected to fail against one target, and why. */
export interface ExpectedFailure {
  why: string;
  checks?: string[];
}

/** Validates the text of an expected-failures file: every entry must say why, in a sentence. */
export function parseExpectedFailures(text: string): ExpectedFailuresFile {
  return FileSchema.parse(parse(text));
}

export function loadExpectedFailures(path: string): ExpectedFailuresFile {
  return parseExpectedFailures(readFileSync(path, 'utf8'));
}

/**
 * The expected failures of one suite against one target, by scenario. A scenario named twice
 * for the same target is an error: two reasons for one failure would hide which one holds.
 */
export function expectedFor(
  file: ExpectedFailuresFile,
  suite: string,
  target: Target,
): Map<string, ExpectedFailure> {
  const entries = file[suite];
  if (!entries) throw new Error(`expected-failures.yml has no section ${suite}`);
  const out = new Map<string, ExpectedFailure>();
  for (const entry of entries) {
    if (!entry.targets.includes(target)) continue;
    for (const scenario of entry.scenarios) {
      if (out.has(scenario)) throw new Error(`${suite}: ${scenario} is listed twice for ${target}`);
      out.set(scenario, { why: entry.why, ...(entry.checks ? { checks: entry.checks } : {}) });
    }
  }
  return out;
}

/**
 * The conformance CLI's own verdict rule: a scenario fails when any check is FAILURE or
 * WARNING (a WARNING is a SHOULD the server did not meet). INFO and SKIPPED do not count.
 */
export function failingChecks(checks: readonly ConformanceCheck[]): ConformanceCheck[] {
  return checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
}

export interface Verdict {
  /** Scenarios (or checks) that fail and are not expected to: regressions or new bugs. */
  unexpected: string[];
  /** Expected failures that no longer fail as listed: the file is stale, update it. */
  stale: string[];
}

/**
 * Judges one run: every scenario passes unless listed, every listed one still fails (exactly
 * the listed checks, when the entry names them), and every listed scenario was run at all.
 */
export function judge(
  results: ReadonlyMap<string, readonly ConformanceCheck[]>,
  expected: ReadonlyMap<string, ExpectedFailure>,
): Verdict {
  const unexpected: string[] = [];
  const stale: string[] = [];
  for (const [scenario, checks] of results) {
    const failing = failingChecks(checks);
    const listed = expected.get(scenario);
    const describe = (c: ConformanceCheck) =>
      `${scenario}/${c.id} ${c.status}: ${c.errorMessage ?? c.description ?? ''}`.trim();
    if (!listed) {
      unexpected.push(...failing.map(describe));
      continue;
    }
    if (failing.length === 0) {
      stale.push(`${scenario} passes now`);
      continue;
    }
    if (!listed.checks) continue;
    const want = new Set(listed.checks);
    unexpected.push(...failing.filter((c) => !want.has(c.id)).map(describe));
    const failed = new Set(failing.map((c) => c.id));
    stale.push(...listed.checks.filter((id) => !failed.has(id)).map((id) => `${scenario}/${id} passes now`));
  }
  for (const scenario of expected.keys()) {
    if (!results.has(scenario)) stale.push(`${scenario} was not run`);
  }
  return { unexpected, stale };
}
