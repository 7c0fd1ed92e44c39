import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFacts, parseGrepZ, parseStatFs } from './remoteText.js';

describe('parseGrepZ', () => {
  it("splits real grep output back into files, and content cannot forge another file's entry", () => {
    const dir = mkdtempSync(join(tmpdir(), 'grepz-'));
    try {
      const a = join(dir, 'a');
      const b = join(dir, 'b');
      writeFileSync(a, `line1\n${b}\0forged\nline3\n`);
      writeFileSync(b, 'cmd\0arg\0');
      writeFileSync(join(dir, 'empty'), '');
      // grep exits 2 for the missing file (as it will on a device); its output is still whole.
      const out = spawnSync('grep', [
        '-aHsZ',
        '',
        '--',
        a,
        b,
        join(dir, 'empty'),
        join(dir, 'missing'),
      ]).stdout;
      const files = parseGrepZ(out, 1000);
      expect(files.get(a)).toBe(`line1\n${b}\0forged\nline3`);
      expect(files.get(b)).toBe('cmd\0arg\0');
      expect(files.has(join(dir, 'empty'))).toBe(false);
      expect(files.size).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('caps each file', () => {
    expect(parseGrepZ(Buffer.from('/x\0abcdef\n'), 3).get('/x')).toBe('abc');
  });
});

describe('parseStatFs', () => {
  it('reads real stat -f output', () => {
    const text = execFileSync('stat', ['-f', '-c', '%S %b %f %a %n', '--', '/', '/tmp'], {
      encoding: 'utf8',
    });
    const disks = parseStatFs(text);
    expect(disks.map((d) => d.mountpoint)).toEqual(['/', '/tmp']);
    for (const d of disks) {
      expect(d.total_bytes).toBeGreaterThan(0);
      expect(d.used_bytes).toBeLessThanOrEqual(d.total_bytes);
    }
  });
});

describe('parseFacts', () => {
  it('needs systemd booted and systemctl for systemd, and systemd for journald', () => {
    expect(
      parseFacts('machine=aarch64\nhas_systemctl=1\nhas_journalctl=1\nhas_tmux=1\nuid=1000\n'),
    ).toMatchObject({
      machine: 'aarch64',
      systemd: false,
      journald: false,
      tmux: true,
      uid: 1000,
    });
    expect(parseFacts('systemd_booted=1\nhas_systemctl=1\nhas_journalctl=1\n')).toMatchObject({
      systemd: true,
      journald: true,
    });
  });
});
