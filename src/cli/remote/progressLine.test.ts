import { describe, expect, it } from 'vitest';
import { createProgressLine } from './progressLine.js';

function stream(isTTY: boolean, columns = 40) {
  const writes: string[] = [];
  return { writes, isTTY, columns, write: (t: string | Uint8Array) => writes.push(String(t)) };
}

describe('the progress line', () => {
  it('redraws one line in place with the last line of a message, cut to the width, then clears it', () => {
    const s = stream(true, 20);
    const line = createProgressLine(s, true, 'fleet_exec: ');
    line.update('1/3 devices done');
    line.update('first\nsecond line\n\n');
    line.clear();
    line.clear();
    expect(s.writes).toEqual([
      '\r\u001b[2Kfleet_exec: 1/3 de…',
      '\r\u001b[2Kfleet_exec: second…',
      '\r\u001b[2K',
    ]);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const s = stream(false);
    const line = createProgressLine(s);
    line.update('1/2 devices done');
    line.clear();
    expect(s.writes).toEqual([]);
  });

  it('strips escape sequences a device put in its output', () => {
    const s = stream(true, 80);
    createProgressLine(s).update('x\u001b[2Jy');
    expect(s.writes).toEqual(['\r\u001b[2Kx?[2Jy']);
  });
});
