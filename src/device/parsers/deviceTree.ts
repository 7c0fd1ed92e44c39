/**
 * Parses `/proc/device-tree/model` (also `/sys/firmware/devicetree/base/model`): the board name as a
 * NUL-terminated device-tree string, e.g. `Raspberry Pi 4 Model B Rev 1.4\0`. Returns null when empty.
 */
export function parseDeviceTreeModel(text: string): string | null {
  // Only the first string counts; device-tree properties may hold several NUL-separated strings.
  const nul = text.indexOf('\0');
  const model = (nul < 0 ? text : text.slice(0, nul)).trim();
  return model === '' ? null : model;
}
