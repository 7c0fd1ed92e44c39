import { describe, expect, it } from 'vitest';
import { FleetError } from '../../../errors/index.js';
import type { ToolCallResult } from '../../../tools/index.js';
import type { DeviceCall } from '../../fleetCall.js';
import { renderFleetResult } from '../../render.js';
import type { ResolvedStep } from './resolveSteps.js';
import { runSteps } from './runSteps.js';
import { type StepResult, tail } from './stepResult.js';

const exec = (step: number, argv: string[], skip?: string): ResolvedStep => ({
  step,
  tool: 'exec',
  args: { argv },
  label: `exec ${argv.join(' ')}`,
  ...(skip ? { skip } : {}),
});
const service = (step: number): ResolvedStep => ({
  step,
  tool: 'service',
  args: { action: 'restart', unit: 'web' },
  label: 'service action=restart unit=web',
});
const execResult = (exit_code: number | null, stdout = '', stderr = '', extra = {}): ToolCallResult => ({
  content: [{ type: 'text', text: `exit ${exit_code}` }],
  structuredContent: {
    exit_code,
    signal: null,
    stdout,
    stderr,
    truncated: false,
    timed_out: false,
    ...extra,
  },
});

/** A device whose calls answer from a script, recording what was called. */
function device(answers: Array<ToolCallResult | Error>) {
  const calls: Array<{ tool: string; args: Record<string, unknown> }> = [];
  const call: DeviceCall = async (tool, args) => {
    calls.push({ tool, args });
    const answer = answers[calls.length - 1];
    if (answer === undefined) throw new Error('unexpected call');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { call, calls };
}
const statuses = (steps: unknown) => (steps as StepResult[]).map((s) => s.status);

describe('runSteps', () => {
  it('runs every step in order and reports each, skipping switched-off ones', async () => {
    const { call, calls } = device([execResult(0, 'migrated\n'), execResult(0, '', 'warning\n')]);
    const value = await runSteps(
      [exec(1, ['migrate']), exec(2, ['fake'], 'if fake: fake is false'), exec(3, ['collect'])],
      call,
    );
    expect(calls.map((c) => c.args.argv)).toEqual([['migrate'], ['collect']]);
    expect(value.error).toBeUndefined();
    const steps = value.result?.steps as StepResult[];
    expect(steps).toEqual([
      {
        step: 1,
        tool: 'exec',
        label: 'exec migrate',
        status: 'ok',
        ok: true,
        exit_code: 0,
        output: 'migrated',
      },
      {
        step: 2,
        tool: 'exec',
        label: 'exec fake',
        status: 'skipped',
        ok: false,
        reason: 'if fake: fake is false',
      },
      {
        step: 3,
        tool: 'exec',
        label: 'exec collect',
        status: 'ok',
        ok: true,
        exit_code: 0,
        output: '[stderr]\nwarning',
      },
    ]);
    expect(value.text).toBe(
      '[1] exec migrate: ok\n    migrated\n[2] exec fake: skipped (if fake: fake is false)\n[3] exec collect: ok\n    [stderr]\n    warning',
    );
  });

  it('stops at the first failing step: a non-zero exit, later steps skipped and never started', async () => {
    const { call, calls } = device([execResult(0), execResult(2, '', 'no such table\n')]);
    const value = await runSteps([exec(1, ['a']), exec(2, ['b']), service(3)], call);
    expect(calls).toHaveLength(2);
    expect(statuses(value.result?.steps)).toEqual(['ok', 'failed', 'skipped']);
    expect(value.error).toEqual({ code: 'EXEC_FAILED', message: 'step 2 of 3 (exec) failed' });
    const steps = value.result?.steps as StepResult[];
    expect(steps[1]).toMatchObject({ exit_code: 2, error: { code: 'EXEC_FAILED', message: 'exit 2' } });
    expect(steps[2]?.reason).toBe('step 2 failed');
    // A failed device shows its steps under the error, and identical failures still group.
    const rendered = renderFleetResult([
      { device: 'a', ok: false, text: value.text, error: value.error },
      { device: 'b', ok: false, text: value.text, error: value.error },
    ]);
    expect(rendered).toBe(
      [
        '2 failed',
        '',
        '== 2 devices ==',
        'EXEC_FAILED: step 2 of 3 (exec) failed',
        '[1] exec a: ok',
        '[2] exec b: EXEC_FAILED: exit 2',
        '    [stderr]',
        '    no such table',
        '[3] service action=restart unit=web: skipped (step 2 failed)',
      ].join('\n'),
    );
  });

  it('fails a step on a timeout, a tool error, an ok: false answer or a thrown call', async () => {
    const timedOut = execResult(null, '', '', { timed_out: true, signal: 'SIGKILL' });
    const toolError: ToolCallResult = {
      content: [{ type: 'text', text: 'POLICY_DENIED: exec is disabled (rule tools.disabled)' }],
      isError: true,
    };
    const notOk: ToolCallResult = {
      content: [{ type: 'text', text: 'web: restart failed (exit 5)' }],
      structuredContent: { ok: false, exit_code: 5 },
    };
    const cases: Array<[ToolCallResult | Error, ResolvedStep, { code: string; message: string }]> = [
      [timedOut, exec(1, ['sleep']), { code: 'TIMEOUT', message: 'timed out; the process group was killed' }],
      [
        toolError,
        exec(1, ['x']),
        { code: 'POLICY_DENIED', message: 'exec is disabled (rule tools.disabled)' },
      ],
      [notOk, service(1), { code: 'EXEC_FAILED', message: 'service reported ok: false' }],
      [
        new FleetError('UNAVAILABLE', 'connection refused'),
        service(1),
        { code: 'UNAVAILABLE', message: 'connection refused' },
      ],
    ];
    for (const [answer, step, error] of cases) {
      const { call, calls } = device([answer]);
      const value = await runSteps([step, exec(2, ['after'])], call);
      expect(calls).toHaveLength(1);
      expect((value.result?.steps as StepResult[] | undefined)?.[0]).toMatchObject({
        status: 'failed',
        ok: false,
        error,
      });
      expect(value.error?.code).toBe(error.code);
    }
  });

  it('keeps only the tail of long output', () => {
    expect(tail('abcdef', 4)).toBe('… (2 chars cut)\ncdef');
    expect(tail('ab😀', 1)).toBe('… (4 chars cut)\n'); // never half a surrogate pair
    expect(tail('short')).toBe('short');
  });
});
