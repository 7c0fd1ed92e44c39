import { describe, expect, it } from 'vitest';
import { parseThermalZone } from './thermal.js';

describe('parseThermalZone', () => {
  it('converts millidegrees and uses the sensor type as name', () => {
    expect(parseThermalZone({ zone: 'thermal_zone0', type: 'cpu-thermal\n', temp: '48312\n' })).toEqual({
      name: 'cpu-thermal',
      celsius: 48.312,
    });
  });

  it('accepts temperatures below zero', () => {
    expect(parseThermalZone({ zone: 'thermal_zone3', type: 'acpitz', temp: '-5500' })).toEqual({
      name: 'acpitz',
      celsius: -5.5,
    });
  });

  it('falls back to the zone name when the type is blank', () => {
    expect(parseThermalZone({ zone: 'thermal_zone1', type: ' \n', temp: '27800' })).toEqual({
      name: 'thermal_zone1',
      celsius: 27.8,
    });
  });

  it('returns null when temp is not a number', () => {
    expect(parseThermalZone({ zone: 'thermal_zone2', type: 'iwlwifi_1', temp: '' })).toBeNull();
    expect(parseThermalZone({ zone: 'thermal_zone2', type: 'iwlwifi_1', temp: 'N/A' })).toBeNull();
    expect(parseThermalZone({ zone: 'z', type: 't', temp: '45.5\u0000' })).toBeNull();
  });
});
