import { describe, expect, it } from 'vitest';
import * as parsers from './index.js';

describe('parsers index', () => {
  it('exports every parser as a function', () => {
    expect(Object.keys(parsers).sort()).toEqual([
      'cpuPercent',
      'diskMounts',
      'parseCmdline',
      'parseCpuTimes',
      'parseCpuinfo',
      'parseDeviceTreeModel',
      'parseIpAddrOneline',
      'parseLoadavg',
      'parseMeminfo',
      'parseMounts',
      'parseNetDev',
      'parseOsRelease',
      'parsePasswd',
      'parsePidStat',
      'parsePidStatusUid',
      'parsePowerSupplyUevent',
      'parseThermalZone',
      'parseThrottled',
      'parseThrottledSysfs',
      'parseUptime',
    ]);
    for (const value of Object.values(parsers)) expect(typeof value).toBe('function');
  });
});
