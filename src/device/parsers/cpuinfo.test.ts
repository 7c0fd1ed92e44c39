import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCpuinfo } from './cpuinfo.js';

const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

describe('parseCpuinfo', () => {
  it('reads a Raspberry Pi 4 on a 32-bit kernel', () => {
    expect(parseCpuinfo(sample('cpuinfo-rpi4-armv7l.txt'))).toEqual({
      model: 'ARMv7 Processor rev 3 (v7l)',
      cores: 4,
      hardware: 'BCM2835',
      revision: 'c03114',
      board_model: 'Raspberry Pi 4 Model B Rev 1.4',
    });
  });

  it('names the core from CPU part on a 64-bit kernel without model name', () => {
    expect(parseCpuinfo(sample('cpuinfo-rpi5-aarch64.txt'))).toEqual({
      model: 'ARM Cortex-A76',
      cores: 4,
      hardware: 'BCM2835',
      revision: 'd04170',
      board_model: 'Raspberry Pi 5 Model B Rev 1.0',
    });
  });

  it('reads the legacy single-core format with a Processor line and no processor index', () => {
    expect(parseCpuinfo(sample('cpuinfo-rpi1-legacy.txt'))).toEqual({
      model: 'ARMv6-compatible processor rev 7 (v6l)',
      cores: 1,
      hardware: 'BCM2708',
      revision: '000e',
      board_model: null,
    });
  });

  it('reads x86_64 without mistaking the numeric model field for the board', () => {
    expect(parseCpuinfo(sample('cpuinfo-x86_64.txt'))).toEqual({
      model: 'AMD EPYC',
      cores: 2,
      hardware: null,
      revision: null,
      board_model: null,
    });
  });

  it('returns empty defaults for empty or garbage text', () => {
    const empty = { model: null, cores: 0, hardware: null, revision: null, board_model: null };
    expect(parseCpuinfo('')).toEqual(empty);
    expect(parseCpuinfo('\n\n')).toEqual(empty);
    expect(parseCpuinfo('\u0000\u00ff garbage ::: \n:')).toEqual({ ...empty, cores: 1 });
  });
});
