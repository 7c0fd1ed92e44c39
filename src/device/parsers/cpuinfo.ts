/** CPU and board identity from `/proc/cpuinfo` (x86, 32-bit and 64-bit ARM, Raspberry Pi). */
export type CpuInfo = {
  /** CPU model: x86/ARM `model name`, legacy ARM `Processor`, or the ARM core name from `CPU part`. */
  model: string | null;
  /** Logical CPUs (`processor` entries); at least 1 for any non-empty text. */
  cores: number;
  /** ARM SoC family line (`Hardware`), e.g. `BCM2835` on every Raspberry Pi. */
  hardware: string | null;
  /** Raspberry Pi revision code (`Revision`), e.g. `c03114`. */
  revision: string | null;
  /** Raspberry Pi board name (`Model`), e.g. `Raspberry Pi 4 Model B Rev 1.4`; null on x86. */
  board_model: string | null;
};

/**
 * Arm Ltd. (implementer 0x41) core names by `CPU part`. Used only when the kernel prints no
 * `model name`, which is the case on every arm64 kernel (e.g. a Pi 4/5 on 64-bit Raspberry Pi OS).
 */
const ARM_PARTS: Readonly<Record<string, string>> = {
  '0xb76': 'ARM1176',
  '0xc07': 'Cortex-A7',
  '0xc08': 'Cortex-A8',
  '0xc09': 'Cortex-A9',
  '0xc0f': 'Cortex-A15',
  '0xd03': 'Cortex-A53',
  '0xd04': 'Cortex-A35',
  '0xd05': 'Cortex-A55',
  '0xd07': 'Cortex-A57',
  '0xd08': 'Cortex-A72',
  '0xd09': 'Cortex-A73',
  '0xd0a': 'Cortex-A75',
  '0xd0b': 'Cortex-A76',
  '0xd0d': 'Cortex-A77',
};

/**
 * Parses `/proc/cpuinfo`. Keys are matched case-sensitively on purpose: x86 `model` (a number)
 * differs from the Pi's `Model` (the board), and ARM `processor` (an index) from legacy `Processor`.
 */
export function parseCpuinfo(text: string): CpuInfo {
  const first = new Map<string, string>();
  let processors = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') processors++;
    if (key !== '' && !first.has(key)) first.set(key, value);
  }
  const get = (key: string): string | null => {
    const value = first.get(key);
    return value === undefined || value === '' ? null : value;
  };
  let model = get('model name') ?? get('Processor');
  if (model === null && get('CPU implementer') === '0x41') {
    const part = get('CPU part');
    const name = part === null ? undefined : ARM_PARTS[part.toLowerCase()];
    if (name !== undefined) model = `ARM ${name}`;
  }
  return {
    model,
    cores: processors > 0 ? processors : text.trim() === '' ? 0 : 1,
    hardware: get('Hardware'),
    revision: get('Revision'),
    board_model: get('Model'),
  };
}
