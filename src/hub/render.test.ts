import { describe, expect, it } from 'vitest';
import type { RenderEntry } from './render.js';
import { renderFleetResult, summarize } from './render.js';

const ok = (device: string, text?: string): RenderEntry => ({ device, ok: true, text });
const fail = (device: string, code: string, message: string): RenderEntry => ({
  device,
  ok: false,
  error: { code, message },
});
const pis = (from: number, to: number, text: string) =>
  Array.from({ length: to - from + 1 }, (_, i) => ok(`pi-${from + i}`, text));

describe('summarize', () => {
  it('says when nothing matched', () => {
    expect(summarize([])).toBe('no devices matched');
  });

  it('counts outcomes in fixed order, skipping zeros', () => {
    const entries = [
      fail('a', 'DEVICE_DOWN', 'down'),
      ...pis(1, 14, 'active'),
      fail('b', 'TIMEOUT', 'no answer within 30 s'),
      fail('c', 'DEVICE_DOWN', 'down'),
    ];
    expect(summarize(entries)).toBe('14 ok, 1 timed out, 2 down');
  });

  it('buckets every error kind', () => {
    const entries = [
      fail('a', 'EXEC_FAILED', 'exit 1'),
      fail('b', 'POLICY_DENIED', 'no'),
      fail('c', 'CANCELLED', 'cancelled'),
      fail('d', 'DEADLINE', 'deadline'),
      fail('e', 'TIMEOUT', 'timeout'),
      fail('f', 'INTERNAL', 'bug'),
      { device: 'g', ok: false },
    ];
    expect(summarize(entries)).toBe('2 timed out, 1 cancelled, 1 denied, 3 failed');
  });
});

describe('renderFleetResult', () => {
  it('renders a realistic service check compactly', () => {
    const entries = [
      ...pis(1, 6, 'active'),
      ok('pi-7', 'inactive'),
      fail('pi-8', 'TIMEOUT', 'no answer within 30 s'),
      ...pis(9, 14, 'active\n'),
      fail('pi-15', 'DEVICE_DOWN', 'down since 10:02'),
      ok('pi-16', 'inactive'),
      fail('pi-17', 'DEVICE_DOWN', 'down since 10:02'),
    ];
    expect(renderFleetResult(entries)).toBe(
      [
        '14 ok, 1 timed out, 2 down',
        '',
        '12 devices (pi-1, pi-2, pi-3, pi-4, pi-5, pi-6, pi-9, pi-10, … and 4 more): active',
        '2 devices (pi-7, pi-16): inactive',
        '2 devices (pi-15, pi-17): DEVICE_DOWN: down since 10:02',
        'pi-8: TIMEOUT: no answer within 30 s',
      ].join('\n'),
    );
  });

  it('omits names when every device answered the same', () => {
    expect(renderFleetResult(pis(1, 12, 'active'))).toBe('12 ok\n\n12 devices: active');
  });

  it('names a single device on its own, even when it is the only entry', () => {
    expect(renderFleetResult([ok('nas', 'active')])).toBe('1 ok\n\nnas: active');
  });

  it('returns just the summary for no entries', () => {
    expect(renderFleetResult([])).toBe('no devices matched');
  });

  it('orders groups by size, then by first appearance', () => {
    const entries = [ok('a', 'x'), ok('b', 'y'), ok('c', 'y'), ok('d', 'z'), ok('e', 'w'), ok('f', 'w')];
    const lines = renderFleetResult(entries).split('\n').slice(2);
    expect(lines).toEqual(['2 devices (b, c): y', '2 devices (e, f): w', 'a: x', 'd: z']);
  });

  it('keeps ok text and a failure with the same wording apart', () => {
    const entries = [ok('a', 'TIMEOUT: slow'), fail('b', 'TIMEOUT', 'slow')];
    expect(renderFleetResult(entries).split('\n').slice(2)).toEqual(['a: TIMEOUT: slow', 'b: TIMEOUT: slow']);
  });

  it('shows ok entries without text as "(no output)", grouped', () => {
    const entries = [ok('a'), ok('b', ''), ok('c', '  \n'), ok('d', 'restarted')];
    expect(renderFleetResult(entries).split('\n').slice(2)).toEqual([
      '3 devices (a, b, c): (no output)',
      'd: restarted',
    ]);
  });

  it('groups texts that differ only in line endings and trailing whitespace', () => {
    const text = 'line one\nline two';
    const entries = [ok('a', text), ok('b', 'line one\r\nline two\r\n'), ok('c', 'other\nthing')];
    expect(renderFleetResult(entries)).toBe(
      ['3 ok', '', '== 2 devices (a, b) ==', text, '', '== c ==', 'other\nthing'].join('\n'),
    );
  });

  it('sets blocks off with blank lines, keeping single-line groups tight', () => {
    const uptime = 'load 0.1\nusers 2';
    const entries = [ok('a', 'up'), ok('b', 'up'), ok('c', uptime), fail('d', 'EXEC_FAILED', 'exit 3')];
    expect(renderFleetResult(entries)).toBe(
      [
        '3 ok, 1 failed',
        '',
        '2 devices (a, b): up',
        '',
        '== c ==',
        uptime,
        '',
        'd: EXEC_FAILED: exit 3',
      ].join('\n'),
    );
  });

  it('renders a long single line as a block', () => {
    const long = 'x'.repeat(201);
    expect(renderFleetResult([ok('a', long)])).toBe(`1 ok\n\n== a ==\n${long}`);
    expect(renderFleetResult([ok('a', 'x'.repeat(200))])).toBe(`1 ok\n\na: ${'x'.repeat(200)}`);
  });

  it('renders a multi-line failure as a block', () => {
    const entries = [
      fail('a', 'EXEC_FAILED', 'exit 1\nstderr: nope'),
      fail('b', 'EXEC_FAILED', 'exit 1\nstderr: nope'),
    ];
    expect(renderFleetResult(entries)).toBe('2 failed\n\n== 2 devices ==\nEXEC_FAILED: exit 1\nstderr: nope');
  });

  it('truncates block text and says how much was cut', () => {
    const log = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const out = renderFleetResult([ok('a', log), ok('b', 'short')], { maxTextChars: 20 });
    expect(out).toBe(
      `2 ok\n\n== a ==\n${log.slice(0, 20)}\n… (truncated, ${log.length - 20} more chars)\n\nb: short`,
    );
  });

  it('does not split a surrogate pair when truncating', () => {
    const text = `ab\n${'😀'.repeat(5)}`;
    const out = renderFleetResult([ok('a', text)], { maxTextChars: 4 });
    expect(out).toBe(`1 ok\n\n== a ==\nab\n… (truncated, ${text.length - 3} more chars)`);
  });

  it('respects maxNames, including zero', () => {
    const entries = [...pis(1, 3, 'on'), ok('x', 'off')];
    expect(renderFleetResult(entries, { maxNames: 2 }).split('\n')[2]).toBe(
      '3 devices (pi-1, pi-2, … and 1 more): on',
    );
    expect(renderFleetResult(entries, { maxNames: 0 }).split('\n')[2]).toBe('3 devices (… and 3 more): on');
    expect(renderFleetResult(entries, { maxNames: 3 }).split('\n')[2]).toBe(
      '3 devices (pi-1, pi-2, pi-3): on',
    );
  });

  it('is deterministic', () => {
    const entries = [...pis(1, 5, 'a'), ...pis(6, 10, 'b'), fail('z', 'TIMEOUT', 't')];
    expect(renderFleetResult(entries)).toBe(renderFleetResult([...entries]));
  });
});
