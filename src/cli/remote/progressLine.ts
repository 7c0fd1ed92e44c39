import type { OutputStream } from './terminal.js';
import { printable } from './terminal.js';

export interface ProgressLine {
  /** Shows the prefix and `text`'s last non-empty line, cut to the terminal's width, in place of the previous line. */
  update(text: string): void;
  /** Erases the line; the output that follows starts on a clean line. */
  clear(): void;
}

const CLEAR = '\r\u001b[2K';

/**
 * One status line on stderr, redrawn in place while a fan-out runs (`3/12 devices done`) and
 * erased at the end. Only on a terminal: redirected to a file or a pipe, carriage returns and
 * escape codes would be noise in a log, so there it does nothing.
 */
export function createProgressLine(
  stream: OutputStream,
  enabled = stream.isTTY === true,
  prefix = '',
): ProgressLine {
  let shown = false;
  if (!enabled) return { update() {}, clear() {} };
  return {
    update(text) {
      const last =
        prefix +
        (printable(text)
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .at(-1) ?? '');
      // One column short of the width: writing the last column makes some terminals wrap.
      const max = Math.max(10, (stream.columns ?? 80) - 1);
      const line = [...last].length > max ? `${[...last].slice(0, max - 1).join('')}…` : last;
      stream.write(`${CLEAR}${line}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write(CLEAR);
      shown = false;
    },
  };
}
