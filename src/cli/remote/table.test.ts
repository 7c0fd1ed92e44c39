import { describe, expect, it } from 'vitest';
import { firstLines, renderTable } from './table.js';
import { createStyle, printable } from './terminal.js';

describe('aligned tables', () => {
  it('aligns columns two spaces apart, with no trailing blanks', () => {
    const out = renderTable(
      ['NAME', 'STATE', 'NOTE'],
      [
        ['pi-1', 'up', 'fine'],
        ['garage-pi', 'down', ''],
      ],
    );
    expect(out).toBe('NAME       STATE  NOTE\npi-1       up     fine\ngarage-pi  down');
  });

  it('paints after aligning, so colors do not move columns', () => {
    const style = createStyle(true);
    const out = renderTable(
      ['A', 'B'],
      [
        [{ text: 'ok', paint: style.ok }, 'x'],
        ['failed', 'y'],
      ],
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the colors the table writes
    const plain = out.replace(/\u001b\[\d+m/g, '');
    expect(plain).toBe('A       B\nok      x\nfailed  y');
    expect(out).toContain('\u001b[32mok\u001b[39m      x');
  });

  it('keeps device text from driving the terminal: controls shown as ?, one line per cell', () => {
    const out = renderTable(['OUT'], [['evil\u001b]0;title\u0007\rline\nnext\ttab']]);
    expect(out).toBe('OUT\nevil?]0;title??line next  tab');
    expect(printable('a\r\nb\u009bc')).toBe('a\nb?c');
  });

  it('counts wide and multi-unit characters by code point', () => {
    expect(
      renderTable(
        ['T', 'X'],
        [
          ['52°C', '1'],
          ['😀', '2'],
        ],
      ),
    ).toBe('T     X\n52°C  1\n😀     2');
  });
});

describe('first lines', () => {
  it('takes the first lines and counts the rest, ignoring the final newline', () => {
    expect(firstLines('a\nb\nc\n', 2)).toEqual({ lines: ['a', 'b'], more: 1 });
    expect(firstLines('a\n', 5)).toEqual({ lines: ['a'], more: 0 });
    expect(firstLines('', 5)).toEqual({ lines: [], more: 0 });
  });
});
