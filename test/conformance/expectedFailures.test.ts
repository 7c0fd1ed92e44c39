import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUITES } from './conformanceRunner.js';
import {
  type ConformanceCheck,
  type ExpectedFailure,
  expectedFor,
  failingChecks,
  judge,
  loadExpectedFailures,
  parseExpectedFailures,
} from './expectedFailures.js';

const check = (id: string, status: string): ConformanceCheck => ({ id, status });
const results = (entries: Record<string, ConformanceCheck[]>) => new Map(Object.entries(entries));
const expected = (entries: Record<string, ExpectedFailure>) => new Map(Object.entries(entries));
const why = 'a reason long enough to say something';

describe('failingChecks', () => {
  it('counts FAILURE and WARNING, as the CLI’s baseline rule does, and not INFO or SKIPPED', () => {
    const checks = [check('a', 'SUCCESS'), check('b', 'FAILURE'), check('c', 'WARNING')];
    checks.push(check('d', 'INFO'), check('e', 'SKIPPED'));
    expect(failingChecks(checks).map((c) => c.id)).toEqual(['b', 'c']);
  });
});

describe('judge', () => {
  it('passes a run where only listed scenarios fail', () => {
    const run = results({ ok: [check('ok', 'SUCCESS')], fx: [check('fx', 'FAILURE')] });
    expect(judge(run, expected({ fx: { why } }))).toEqual({ unexpected: [], stale: [] });
  });

  it('reports a failing scenario that is not listed, naming the check', () => {
    const run = results({ ping: [{ id: 'ping', status: 'FAILURE', errorMessage: 'no answer' }] });
    expect(judge(run, expected({})).unexpected).toEqual(['ping/ping FAILURE: no answer']);
  });

  it('reports a listed scenario that passes now, and one that was not run', () => {
    const run = results({ fx: [check('fx', 'SUCCESS')] });
    expect(judge(run, expected({ fx: { why }, gone: { why } })).stale).toEqual([
      'fx passes now',
      'gone was not run',
    ]);
  });

  it('with checks listed, holds every other check of the scenario to passing', () => {
    const run = results({ s: [check('a', 'WARNING'), check('b', 'FAILURE'), check('c', 'SUCCESS')] });
    expect(judge(run, expected({ s: { why, checks: ['a'] } }))).toEqual({
      unexpected: ['s/b FAILURE:'],
      stale: [],
    });
  });

  it('with checks listed, reports a listed check that no longer fails', () => {
    const run = results({ s: [check('a', 'WARNING'), check('b', 'SUCCESS')] });
    expect(judge(run, expected({ s: { why, checks: ['a', 'b'] } })).stale).toEqual(['s/b passes now']);
  });
});

describe('expected-failures.yml', () => {
  const file = loadExpectedFailures(resolve(import.meta.dirname, 'expected-failures.yml'));

  it('has one section per pinned suite and names no scenario twice for a target', () => {
    expect(Object.keys(file).sort()).toEqual(Object.keys(SUITES).sort());
    for (const suite of Object.keys(SUITES)) {
      for (const target of ['agent', 'hub'] as const)
        expect(() => expectedFor(file, suite, target)).not.toThrow();
    }
  });

  it('lists a required scenario only check by check (its other checks must pass), save json-schema-2020-12', () => {
    // json-schema-2020-12 needs a fixture tool we cannot have; conformance.test.ts checks its rule.
    for (const [suite, spec] of Object.entries(SUITES)) {
      for (const target of ['agent', 'hub'] as const) {
        const listed = expectedFor(file, suite, target);
        const whole = spec.required.filter(
          (s: string) => s !== 'json-schema-2020-12' && listed.has(s) && !listed.get(s)?.checks,
        );
        expect(whole, `${suite} ${target}`).toEqual([]);
      }
    }
  });

  it('refuses an entry without a reason, with a one-word one, or with an unknown key', () => {
    const entry = 'stable:\n  - scenarios: [ping]\n    targets: [agent]\n';
    expect(() => parseExpectedFailures(entry)).toThrow();
    expect(() => parseExpectedFailures(`${entry}    why: flaky\n`)).toThrow();
    expect(() => parseExpectedFailures(`${entry}    why: ${why}\n    reason: x\n`)).toThrow();
    expect(parseExpectedFailures(`${entry}    why: ${why}\n`).stable?.[0]?.why).toBe(why);
  });
});
