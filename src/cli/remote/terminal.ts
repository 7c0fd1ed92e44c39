import type { ColorMode } from '../config/index.js';

/** The part of a stream the CLI writes to: enough for tests to pass a string collector. */
export interface OutputStream {
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** What a command reads and writes, injected so commands are testable without a process. */
export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Colors for one stream; all identity functions when color is off. */
export interface Style {
  enabled: boolean;
  ok(text: string): string;
  fail(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export function createStyle(enabled: boolean): Style {
  if (!enabled) {
    const id = (text: string) => text;
    return { enabled, ok: id, fail: id, warn: id, dim: id, bold: id };
  }
  return {
    enabled,
    ok: sgr(32, 39),
    fail: sgr(31, 39),
    warn: sgr(33, 39),
    dim: sgr(2, 22),
    bold: sgr(1, 22),
  };
}

/** Color on `stream`: `always`, `never`, or (auto) only on a terminal that is not `TERM=dumb`. */
export function colorEnabled(mode: ColorMode, stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  if (mode !== 'auto') return mode === 'always';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

// C0 and C1 controls other than tab and newline, and DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is matched
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text from a device made safe to show on a terminal: output, file contents and error messages
 * come from machines the operator does not fully control, and an escape sequence in them could
 * rewrite the screen, the title or the clipboard. Controls become `?`, tabs spaces.
 */
export function printable(text: string): string {
  return text.replace(/\t/g, '  ').replace(/\r\n/g, '\n').replace(CONTROL, '?');
}
