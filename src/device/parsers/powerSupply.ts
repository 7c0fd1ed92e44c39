/** State of one battery from `/sys/class/power_supply/<name>/uevent`, in volts, watt-hours and watts. */
export type Battery = {
  /** The power_supply directory name, e.g. `BAT0`. */
  name: string;
  /** `Charging`, `Discharging`, `Full`, `Not charging` or `Unknown`. */
  status: string | null;
  capacity_percent: number | null;
  voltage_v: number | null;
  energy_now_wh: number | null;
  energy_full_wh: number | null;
  /** Charge or discharge rate. */
  power_w: number | null;
  /** Cell chemistry, e.g. `Li-ion`, `Li-poly`. */
  technology: string | null;
};

/** Micro-units (µV, µWh, µW, µAh, µA) are how the kernel reports every power_supply quantity. */
const MICRO = 1_000_000;

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Parses a power_supply `uevent` file (`POWER_SUPPLY_KEY=value` lines). Returns null unless it
 * describes a battery (`POWER_SUPPLY_TYPE=Battery`), so AC adapters and USB ports are skipped.
 * Batteries that report charge (µAh) instead of energy are converted with the design voltage.
 */
export function parsePowerSupplyUevent(name: string, text: string): Battery | null {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^POWER_SUPPLY_([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) props.set(match[1], match[2].trim());
  }
  if (props.get('TYPE') !== 'Battery') return null;

  const str = (key: string): string | null => {
    const value = props.get(key);
    return value === undefined || value === '' ? null : value;
  };
  const int = (key: string): number | null => {
    const value = props.get(key);
    return value === undefined || !/^-?\d+$/.test(value) ? null : Number(value);
  };
  const micro = (key: string): number | null => {
    const value = int(key);
    return value === null ? null : value / MICRO;
  };

  const voltage = micro('VOLTAGE_NOW');
  // Charge-to-energy needs a stable voltage: the design (nominal) voltage, else the present one.
  const nominal = micro('VOLTAGE_MIN_DESIGN') ?? micro('VOLTAGE_MAX_DESIGN') ?? voltage;
  const fromCharge = (key: string): number | null => {
    const charge = micro(key);
    return charge === null || nominal === null ? null : charge * nominal;
  };
  const energyNow = micro('ENERGY_NOW') ?? fromCharge('CHARGE_NOW');
  const energyFull = micro('ENERGY_FULL') ?? fromCharge('CHARGE_FULL');
  const current = micro('CURRENT_NOW');
  const power = micro('POWER_NOW') ?? (current === null || voltage === null ? null : current * voltage);

  let capacity = int('CAPACITY');
  if (capacity === null && energyNow !== null && energyFull !== null && energyFull > 0) {
    capacity = Math.min(100, Math.round((energyNow / energyFull) * 100));
  }

  return {
    name: name.trim() === '' ? (str('NAME') ?? name) : name,
    status: str('STATUS'),
    capacity_percent: capacity,
    voltage_v: voltage === null ? null : round(voltage, 3),
    energy_now_wh: energyNow === null ? null : round(energyNow, 3),
    energy_full_wh: energyFull === null ? null : round(energyFull, 3),
    power_w: power === null ? null : round(Math.abs(power), 3),
    technology: str('TECHNOLOGY'),
  };
}
