import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIpAddrOneline } from './ipAddr.js';

const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

describe('parseIpAddrOneline', () => {
  it('groups IPv4 and IPv6 addresses by interface on a Pi', () => {
    expect(parseIpAddrOneline(sample('ip-addr-rpi.txt'))).toEqual({
      lo: [
        { family: 'inet', address: '127.0.0.1', prefix: 8 },
        { family: 'inet6', address: '::1', prefix: 128 },
      ],
      eth0: [
        { family: 'inet', address: '192.168.1.42', prefix: 24 },
        { family: 'inet6', address: '2001:db8:b6c0:1a00:3f1e:9c2d:4b7a:e81f', prefix: 64 },
        { family: 'inet6', address: 'fe80::dea6:32ff:fe12:3456', prefix: 64 },
      ],
      wlan0: [
        { family: 'inet', address: '192.168.1.57', prefix: 24 },
        { family: 'inet6', address: 'fe80::dea6:32ff:fe12:3457', prefix: 64 },
      ],
      tun0: [{ family: 'inet', address: '10.8.0.6', prefix: 32 }],
    });
  });

  it('reads this machine', () => {
    expect(parseIpAddrOneline(sample('ip-addr-local.txt'))).toEqual({
      lo: [
        { family: 'inet', address: '127.0.0.1', prefix: 8 },
        { family: 'inet6', address: '::1', prefix: 128 },
      ],
      eth0: [
        { family: 'inet', address: '192.0.2.2', prefix: 24 },
        { family: 'inet6', address: 'fd00::2', prefix: 64 },
        { family: 'inet6', address: 'fe80::fc:ff:fe00:1', prefix: 64 },
      ],
    });
  });

  it('strips the @link suffix of stacked devices and defaults a missing prefix to a host route', () => {
    const text =
      '5: eth0.10@eth0    inet 10.0.10.2/24 scope global eth0.10\n6: wg0    inet6 fd42::1 scope global\n';
    expect(parseIpAddrOneline(text)).toEqual({
      'eth0.10': [{ family: 'inet', address: '10.0.10.2', prefix: 24 }],
      wg0: [{ family: 'inet6', address: 'fd42::1', prefix: 128 }],
    });
  });

  it('returns an empty record for empty or garbage text', () => {
    expect(parseIpAddrOneline('')).toEqual({});
    expect(
      parseIpAddrOneline(
        [
          'Device "eth9" does not exist.',
          '2: eth0    link/ether dc:a6:32:12:34:56 brd ff:ff:ff:ff:ff:ff',
          'x: eth0    inet 1.2.3.4/24',
          '2: eth0    inet 1.2.3.4/abc',
          '2: eth0    inet',
        ].join('\n'),
      ),
    ).toEqual({});
  });
});
