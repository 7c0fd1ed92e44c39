import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetDev } from './netDev.js';

const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

describe('parseNetDev', () => {
  it('reads the byte counters of every interface on this machine', () => {
    expect(parseNetDev(sample('net-dev-local.txt'))).toEqual({
      lo: { rx_bytes: 12348, tx_bytes: 12348 },
      ifb0: { rx_bytes: 0, tx_bytes: 0 },
      ifb1: { rx_bytes: 0, tx_bytes: 0 },
      eth0: { rx_bytes: 208317737, tx_bytes: 409667 },
    });
  });

  it('reads a Pi with large counters and wlan0', () => {
    expect(parseNetDev(sample('net-dev-rpi.txt'))).toEqual({
      lo: { rx_bytes: 184320, tx_bytes: 184320 },
      eth0: { rx_bytes: 9876543210, tx_bytes: 1234567890 },
      wlan0: { rx_bytes: 52133871, tx_bytes: 3904421 },
    });
  });

  it('accepts old kernels that print no space after the colon', () => {
    expect(parseNetDev('  eth0:1234 5 0 0 0 0 0 0 99 4 0 0 0 0 0 0\n')).toEqual({
      eth0: { rx_bytes: 1234, tx_bytes: 99 },
    });
  });

  it('returns an empty record for empty or garbage text', () => {
    expect(parseNetDev('')).toEqual({});
    expect(parseNetDev('eth0: 1 2 3\nwlan0: x 0 0 0 0 0 0 0 y\n: 1 2 3 4 5 6 7 8 9\n')).toEqual({});
  });

  it('does not let an interface name touch the object prototype', () => {
    const result = parseNetDev('__proto__: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0\n');
    expect(Object.entries(result)).toEqual([['__proto__', { rx_bytes: 1, tx_bytes: 2 }]]);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});
