/** Largest marker line we wait for; a longer "marker" is forged or broken and passes as data. */
const MAX_MARKER_BYTES = 4096;

/**
 * Splits a byte stream from the remote shell into command output and marker lines
 * `\x1e<nonce>:<kind>:<payload>\n`. The nonce is fresh per request and never reaches the
 * command, so output cannot end a request early by printing a marker it cannot know; the
 * stream is binary-safe because everything that is not a complete marker is passed through
 * as data, byte for byte, whatever chunk boundaries the channel delivers.
 */
export class MarkerScanner {
  readonly #prefix: Buffer;
  readonly #onData: (chunk: Buffer) => void;
  readonly #onMarker: (kind: string, payload: string) => void;
  #carry: Buffer = Buffer.alloc(0);

  constructor(
    nonce: string,
    onData: (chunk: Buffer) => void,
    onMarker: (kind: string, payload: string) => void,
  ) {
    this.#prefix = Buffer.from(`\x1e${nonce}:`);
    this.#onData = onData;
    this.#onMarker = onMarker;
  }

  push(chunk: Buffer): void {
    let buffer = this.#carry.length ? Buffer.concat([this.#carry, chunk]) : chunk;
    this.#carry = Buffer.alloc(0);
    for (;;) {
      const at = buffer.indexOf(this.#prefix);
      if (at < 0) break;
      if (at > 0) this.#onData(buffer.subarray(0, at));
      const end = buffer.indexOf(0x0a, at + this.#prefix.length);
      if (end < 0) {
        if (buffer.length - at > MAX_MARKER_BYTES) {
          // Not a marker of ours: hand the prefix over as data and keep scanning after it.
          this.#onData(buffer.subarray(at, at + this.#prefix.length));
          buffer = buffer.subarray(at + this.#prefix.length);
          continue;
        }
        this.#carry = Buffer.from(buffer.subarray(at));
        return;
      }
      const body = buffer.subarray(at + this.#prefix.length, end).toString('utf8');
      const colon = body.indexOf(':');
      this.#onMarker(colon < 0 ? body : body.slice(0, colon), colon < 0 ? '' : body.slice(colon + 1));
      buffer = buffer.subarray(end + 1);
    }
    // Keep a tail that may be the start of a marker split across chunks.
    const keep = this.#partialPrefixAtEnd(buffer);
    if (buffer.length - keep > 0) this.#onData(buffer.subarray(0, buffer.length - keep));
    if (keep > 0) this.#carry = Buffer.from(buffer.subarray(buffer.length - keep));
  }

  /** Whatever is held back (an incomplete marker at the very end of the stream) is data after all. */
  flush(): void {
    if (this.#carry.length) this.#onData(this.#carry);
    this.#carry = Buffer.alloc(0);
  }

  #partialPrefixAtEnd(buffer: Buffer): number {
    const max = Math.min(this.#prefix.length - 1, buffer.length);
    for (let k = max; k > 0; k--) {
      if (buffer.subarray(buffer.length - k).equals(this.#prefix.subarray(0, k))) return k;
    }
    return 0;
  }
}
