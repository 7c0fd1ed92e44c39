/** Raspberry Pi firmware power and thermal flags, as reported by `vcgencmd get_throttled`. */
export type Throttled = {
  /** The flag word as lower-case hex with a `0x` prefix, e.g. `0x50005`. */
  raw: string;
  /** Bit 0: supply voltage is below 4.63 V right now. */
  under_voltage: boolean;
  /** Bit 1: the ARM frequency is capped right now. */
  freq_capped: boolean;
  /** Bit 2: the SoC is throttled right now. */
  throttled: boolean;
  /** Bit 3: the soft temperature limit is active right now. */
  soft_temp_limit: boolean;
  /** Bit 16: under-voltage has occurred since boot. */
  under_voltage_occurred: boolean;
  /** Bit 17: frequency capping has occurred since boot. */
  freq_capped_occurred: boolean;
  /** Bit 18: throttling has occurred since boot. */
  throttled_occurred: boolean;
  /** Bit 19: the soft temperature limit has been reached since boot. */
  soft_temp_limit_occurred: boolean;
};

function fromBits(bits: number): Throttled {
  const bit = (n: number): boolean => (bits & (1 << n)) !== 0;
  return {
    raw: `0x${bits.toString(16)}`,
    under_voltage: bit(0),
    freq_capped: bit(1),
    throttled: bit(2),
    soft_temp_limit: bit(3),
    under_voltage_occurred: bit(16),
    freq_capped_occurred: bit(17),
    throttled_occurred: bit(18),
    soft_temp_limit_occurred: bit(19),
  };
}

/** Hex digits of a 32-bit flag word; anything longer or non-hex is rejected. */
function toBits(hex: string): number | null {
  if (!/^[0-9a-f]{1,8}$/i.test(hex)) return null;
  return Number.parseInt(hex, 16);
}

/** Parses `vcgencmd get_throttled` output (`throttled=0x50005`); null for anything else. */
export function parseThrottled(text: string): Throttled | null {
  const match = /^\s*throttled=0x([0-9a-f]+)\s*$/i.exec(text);
  const bits = match?.[1] === undefined ? null : toBits(match[1]);
  return bits === null ? null : fromBits(bits);
}

/**
 * Parses `/sys/devices/platform/soc/soc:firmware/get_throttled`, which holds the same flag word as
 * bare hex without `0x` (`50005`), and needs no `vcgencmd` binary or video group membership.
 */
export function parseThrottledSysfs(text: string): Throttled | null {
  const match = /^\s*(?:0x)?([0-9a-f]+)\s*$/i.exec(text);
  const bits = match?.[1] === undefined ? null : toBits(match[1]);
  return bits === null ? null : fromBits(bits);
}
