/**
 * Splits `/proc/[pid]/cmdline` into arguments: they are NUL-separated, with a trailing NUL that
 * ends the last one. Empty for kernel threads and zombies (their cmdline is empty).
 */
export function parseCmdline(text: string): string[] {
  if (text === '') return [];
  const args = text.split('\0');
  if (args[args.length - 1] === '') args.pop();
  return args;
}
