import { describe, expect, it } from 'vitest';
import {
  type Entry,
  EXIT,
  entryFailed,
  exitCodeFor,
  exitCodeForToolError,
  fleetEntries,
  parseToolError,
} from './outcome.js';

const entry = (over: Partial<Entry>): Entry => ({ device: 'd', ok: true, duration_ms: 1, ...over });
const exec = (exit_code: number | null, extra: Record<string, unknown> = {}) =>
  entry({ result: { exit_code, signal: null, stdout: '', stderr: '', timed_out: false, ...extra } });

describe('exit codes', () => {
  it('0 when every device succeeded', () => {
    expect(exitCodeFor([exec(0), entry({ result: { hostname: 'x' } })])).toBe(EXIT.ok);
    expect(exitCodeFor([])).toBe(EXIT.ok);
  });

  it('1 when a device failed, a command exited non-zero or was killed, or a service action failed', () => {
    expect(exitCodeFor([exec(0), entry({ ok: false, error: { code: 'DEVICE_DOWN', message: 'x' } })])).toBe(
      EXIT.failed,
    );
    expect(entryFailed(exec(3))).toBe(true);
    expect(entryFailed(exec(null, { signal: 'SIGKILL', timed_out: true }))).toBe(true);
    expect(entryFailed(entry({ result: { unit: 'x', ok: false, exit_code: 5 } }))).toBe(true);
    expect(entryFailed(entry({ result: { unit: 'x', ok: true, exit_code: 0 } }))).toBe(false);
    // A service status has an exit_code but no stdout: only its `ok` counts.
    expect(entryFailed(entry({ result: { unit: 'x', ok: true, exit_code: 3 } }))).toBe(false);
  });

  it('2 for a call refused as a whole (targets, arguments, role), 1 for other tool errors', () => {
    for (const code of ['INVALID_TARGETS', 'INVALID_ARGUMENT', 'POLICY_DENIED', 'UNAUTHORIZED']) {
      expect(exitCodeForToolError(code)).toBe(EXIT.usage);
    }
    for (const code of ['RATE_LIMITED', 'INTERNAL', 'TOOL_ERROR', 'UPSTREAM_ERROR']) {
      expect(exitCodeForToolError(code)).toBe(EXIT.failed);
    }
  });
});

describe('reading hub results', () => {
  it('parses CODE: message, and anything else as TOOL_ERROR', () => {
    expect(parseToolError('INVALID_TARGETS: unknown device "x"\n')).toEqual({
      code: 'INVALID_TARGETS',
      message: 'unknown device "x"',
    });
    expect(parseToolError('something broke')).toEqual({ code: 'TOOL_ERROR', message: 'something broke' });
  });

  it('finds per-device entries, or none for a tool without them', () => {
    expect(fleetEntries({ summary: '1 ok', results: [{ device: 'a', ok: true, duration_ms: 3 }] })).toEqual([
      { device: 'a', ok: true, duration_ms: 3 },
    ]);
    expect(fleetEntries({ content: 'x' })).toBeUndefined();
    expect(fleetEntries(undefined)).toBeUndefined();
  });
});
