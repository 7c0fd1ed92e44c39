import { describe, expect, it } from 'vitest';
import type { Entry } from './outcome.js';
import { formatBytes, formatDuration, renderResults, summaryLine } from './renderResults.js';
import { createStyle } from './terminal.js';

const plain = createStyle(false);

describe('result tables', () => {
  it('exec: exit code, output lines as continuation rows, the rest counted, errors with their code', () => {
    const entries: Entry[] = [
      {
        device: 'pi-1',
        ok: true,
        duration_ms: 12,
        result: { exit_code: 0, signal: null, stdout: 'a\nb\nc\n', stderr: 'warn\n', timed_out: false },
      },
      {
        device: 'nas',
        ok: false,
        duration_ms: 0,
        error: { code: 'DEVICE_DOWN', message: 'down since 10:00' },
      },
      {
        device: 'pi-2',
        ok: true,
        duration_ms: 2500,
        result: { exit_code: null, signal: 'SIGKILL', stdout: '', stderr: '', timed_out: true },
      },
    ];
    expect(renderResults('exec', entries, { style: plain, lines: 3 })).toBe(
      [
        'DEVICE  STATUS  EXIT     TIME  OUTPUT',
        'pi-1    ok      0        12ms  a',
        '                               b',
        '                               c',
        '                               … 1 more line (--json for all)',
        'nas     failed  -        0ms   DEVICE_DOWN: down since 10:00',
        'pi-2    failed  timeout  2.5s',
        '3 devices: 1 ok, 2 failed',
        '',
      ].join('\n'),
    );
  });

  it('status: a row per device, with an error column only when some device failed', () => {
    const ok: Entry = {
      device: 'pi-1',
      ok: true,
      duration_ms: 5,
      result: {
        os: { pretty_name: 'Raspbian 12' },
        uptime_s: 90_000,
        load: { load1: 0.5, load5: 0.25, load15: 0 },
        memory: { total_bytes: 4 * 1024 ** 3, used_bytes: 1024 ** 3 },
        disks: [{ mountpoint: '/', used_percent: 41.6 }],
        temperatures: [{ name: 'cpu', celsius: 51.2 }],
      },
    };
    expect(renderResults('status', [ok], { style: plain, lines: 1 })).toBe(
      'DEVICE  STATUS  OS           UPTIME  LOAD            MEMORY           DISK   TEMP\n' +
        'pi-1    ok      Raspbian 12  25h0m   0.50 0.25 0.00  1.0 GiB/4.0 GiB  / 42%  51°C\n' +
        '1 device: 1 ok\n',
    );
    const failed: Entry = {
      device: 'nas',
      ok: false,
      duration_ms: 0,
      error: { code: 'TIMEOUT', message: 'slow' },
    };
    const out = renderResults('status', [ok, failed], { style: plain, lines: 1 });
    expect(out.split('\n')[0]).toMatch(/ TEMP {2}ERROR$/);
    expect(out).toMatch(/^nas +failed +- +- +- +- +- +- +TIMEOUT: slow$/m);
  });

  it('service and write rows', () => {
    const service: Entry = {
      device: 'web',
      ok: true,
      duration_ms: 1,
      result: {
        ok: false,
        exit_code: 5,
        active_state: 'failed',
        sub_state: 'failed',
        unit_file_state: 'enabled',
        output: 'Job failed.\nmore',
      },
    };
    expect(renderResults('service', [service], { style: plain, lines: 1 })).toContain(
      'web     failed  failed (failed)  enabled  5     Job failed.',
    );
    const write: Entry = {
      device: 'web',
      ok: true,
      duration_ms: 1,
      result: { size: 2048, sha256: 'ab'.repeat(32), created: false, backup_path: '/etc/x.bak' },
    };
    expect(renderResults('write', [write], { style: plain, lines: 1 })).toContain(
      'web     ok      2.0 KiB  abababababab  replaced, backup /etc/x.bak',
    );
  });

  it('no devices, and the summary line', () => {
    expect(renderResults('exec', [], { style: plain, lines: 1 })).toBe('no devices matched\n');
    expect(summaryLine([{ device: 'a', ok: true, duration_ms: 0 }], plain)).toBe('1 device: 1 ok');
  });
});

describe('formats', () => {
  it('bytes and durations', () => {
    expect(formatBytes(17)).toBe('17 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(300 * 1024 ** 2)).toBe('300 MiB');
    expect(formatDuration(12.4)).toBe('12ms');
    expect(formatDuration(61_000)).toBe('1m1s');
    expect(formatDuration(3 * 86_400_000)).toBe('3d0h');
  });
});
