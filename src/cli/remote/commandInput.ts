import { readFile } from 'node:fs/promises';
import { FleetError } from '../../errors/index.js';

/** All of a stream (standard input for `exec --stdin` and `write`). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Text that survives a UTF-8 round trip is sent as text; anything else (a binary file) as base64. */
export function encodeContent(data: Buffer): { content: string; encoding: 'utf8' | 'base64' } {
  const text = data.toString('utf8');
  return Buffer.from(text, 'utf8').equals(data)
    ? { content: text, encoding: 'utf8' }
    : { content: data.toString('base64'), encoding: 'base64' };
}

/** `--timeout` seconds: a positive number. */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new FleetError('USAGE', `--timeout wants seconds (> 0), not ${value}`);
  return n;
}

/** `--env NAME=value`, repeatable: each use adds one variable. */
export function collectEnv(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 1) throw new FleetError('USAGE', `--env wants NAME=value, not ${value}`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/**
 * What `write` writes: `--content`, `--from-file`, or standard input when it is not a terminal
 * (waiting on a terminal for text nobody is about to type would look like a hang).
 */
export async function writeContent(
  opts: { content?: string; fromFile?: string },
  stdin: NodeJS.ReadableStream & { isTTY?: boolean },
): Promise<Buffer> {
  if (opts.content !== undefined && opts.fromFile !== undefined) {
    throw new FleetError('USAGE', 'give --content or --from-file, not both');
  }
  if (opts.content !== undefined) return Buffer.from(opts.content, 'utf8');
  if (opts.fromFile !== undefined) {
    try {
      return await readFile(opts.fromFile);
    } catch (error) {
      throw new FleetError('USAGE', `cannot read ${opts.fromFile}: ${(error as Error).message}`);
    }
  }
  if (stdin.isTTY) {
    throw new FleetError('USAGE', 'give --content or --from-file, or pipe the content on standard input');
  }
  return readAll(stdin);
}
