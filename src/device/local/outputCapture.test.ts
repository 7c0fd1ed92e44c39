import { describe, expect, it } from 'vitest';
import { OutputCapture } from './outputCapture.js';

describe('OutputCapture', () => {
  it('keeps everything under the cap', () => {
    const c = new OutputCapture(100);
    c.push(Buffer.from('hello '));
    c.push(Buffer.from('world'));
    expect(c.text()).toBe('hello world');
    expect(c.truncated).toBe(false);
  });

  it('keeps head and tail with a marker naming the dropped bytes', () => {
    const c = new OutputCapture(10);
    for (let i = 0; i < 10; i++) c.push(Buffer.from(`${i}${i}${i}${i}${i}\n`));
    expect(c.truncated).toBe(true);
    expect(c.totalBytes).toBe(60);
    const text = c.text();
    expect(text.startsWith('00000')).toBe(true);
    expect(text.endsWith('9999\n')).toBe(true);
    expect(text).toContain('…[truncated 50 bytes]…');
  });

  it('handles one huge chunk', () => {
    const c = new OutputCapture(4);
    c.push(Buffer.from('abcdefghij'));
    expect(c.text()).toBe('ab\n…[truncated 6 bytes]…\nij');
  });

  it('a zero cap keeps nothing but says so', () => {
    const c = new OutputCapture(0);
    c.push(Buffer.from('abc'));
    expect(c.text()).toBe('\n…[truncated 3 bytes]…\n');
  });
});
