import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePowerSupplyUevent } from './powerSupply.js';

const sample = (name: string): string => readFileSync(new URL(`./samples/${name}`, import.meta.url), 'utf8');

describe('parsePowerSupplyUevent', () => {
  it('reads an energy-reporting laptop battery', () => {
    expect(parsePowerSupplyUevent('BAT0', sample('power-supply-bat0-uevent.txt'))).toEqual({
      name: 'BAT0',
      status: 'Discharging',
      capacity_percent: 74,
      voltage_v: 12.103,
      energy_now_wh: 38.42,
      energy_full_wh: 51.48,
      power_w: 7.856,
      technology: 'Li-poly',
    });
  });

  it('converts charge (µAh) to energy with the design voltage and derives power from current', () => {
    expect(parsePowerSupplyUevent('BAT1', sample('power-supply-bat1-charge-uevent.txt'))).toEqual({
      name: 'BAT1',
      status: 'Charging',
      capacity_percent: 59,
      voltage_v: 12.447,
      energy_now_wh: 22.994,
      energy_full_wh: 38.874,
      power_w: 18.969,
      technology: 'Li-ion',
    });
  });

  it('derives capacity from energy when the kernel omits it', () => {
    const text =
      'POWER_SUPPLY_TYPE=Battery\nPOWER_SUPPLY_ENERGY_NOW=25000000\nPOWER_SUPPLY_ENERGY_FULL=50000000\n';
    expect(parsePowerSupplyUevent('', text)).toEqual({
      name: '',
      status: null,
      capacity_percent: 50,
      voltage_v: null,
      energy_now_wh: 25,
      energy_full_wh: 50,
      power_w: null,
      technology: null,
    });
  });

  it('takes the name from POWER_SUPPLY_NAME when none is given', () => {
    const text = 'POWER_SUPPLY_NAME=CMB0\nPOWER_SUPPLY_TYPE=Battery\n';
    expect(parsePowerSupplyUevent('', text)?.name).toBe('CMB0');
  });

  it('returns null for an AC adapter', () => {
    expect(parsePowerSupplyUevent('ADP1', sample('power-supply-adp1-uevent.txt'))).toBeNull();
  });

  it('returns null for empty or garbage text and ignores garbled values', () => {
    expect(parsePowerSupplyUevent('BAT0', '')).toBeNull();
    expect(parsePowerSupplyUevent('BAT0', '\u0000garbage\n=====')).toBeNull();
    const garbled = 'POWER_SUPPLY_TYPE=Battery\nPOWER_SUPPLY_CAPACITY=lots\nPOWER_SUPPLY_VOLTAGE_NOW=1.2V\n';
    expect(parsePowerSupplyUevent('BAT0', garbled)).toEqual({
      name: 'BAT0',
      status: null,
      capacity_percent: null,
      voltage_v: null,
      energy_now_wh: null,
      energy_full_wh: null,
      power_w: null,
      technology: null,
    });
  });
});
