import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeviceTreeModel } from './deviceTree.js';

describe('parseDeviceTreeModel', () => {
  it('strips the trailing NUL of a Raspberry Pi model file', () => {
    const text = readFileSync(new URL('./samples/device-tree-model-rpi4.bin', import.meta.url), 'utf8');
    expect(text.endsWith('\0')).toBe(true);
    expect(parseDeviceTreeModel(text)).toBe('Raspberry Pi 4 Model B Rev 1.4');
  });

  it('strips trailing whitespace and NULs together', () => {
    expect(parseDeviceTreeModel('Pine64 RockPro64 v2.1 \0\0\n')).toBe('Pine64 RockPro64 v2.1');
  });

  it('returns null for empty or garbage text', () => {
    expect(parseDeviceTreeModel('')).toBeNull();
    expect(parseDeviceTreeModel('\0')).toBeNull();
    expect(parseDeviceTreeModel(' \n\0\0 ')).toBeNull();
  });
});
