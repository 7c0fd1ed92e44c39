/** One temperature sensor reading. */
export type Temperature = {
  /** Sensor type, e.g. `cpu-thermal` on a Pi or `x86_pkg_temp`; the zone name when the type is blank. */
  name: string;
  celsius: number;
};

/** The raw text of one `/sys/class/thermal/thermal_zoneN` directory. */
export type ThermalZoneInput = {
  /** Directory name, e.g. `thermal_zone0`. */
  zone: string;
  /** Contents of its `type` file. */
  type: string;
  /** Contents of its `temp` file, in millidegrees Celsius (e.g. `48312`). */
  temp: string;
};

/**
 * Turns a thermal zone's `type` and `temp` files into a reading. Null when `temp` is not a number
 * (sensors that are powered down return an error or an empty read instead of a value).
 */
export function parseThermalZone(input: ThermalZoneInput): Temperature | null {
  const raw = input.temp.trim();
  if (!/^-?\d+$/.test(raw)) return null;
  const name = input.type.trim();
  return { name: name === '' ? input.zone.trim() : name, celsius: Number(raw) / 1000 };
}
