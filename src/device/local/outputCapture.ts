/**
 * Keeps the head and the tail of a stream under a byte cap, so a chatty command cannot eat
 * the agent's memory and the model still sees how the output began and how it ended.
 */
export class OutputCapture {
  readonly #headCap: number;
  readonly #tailCap: number;
  readonly #head: Buffer[] = [];
  #headBytes = 0;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  #total = 0;

  constructor(maxBytes: number) {
    const cap = Math.max(0, Math.floor(maxBytes));
    this.#headCap = Math.ceil(cap / 2);
    this.#tailCap = cap - this.#headCap;
  }

  get totalBytes(): number {
    return this.#total;
  }

  get truncated(): boolean {
    return this.#total > this.#headCap + this.#tailCap;
  }

  push(chunk: Buffer): void {
    this.#total += chunk.length;
    let rest = chunk;
    if (this.#headBytes < this.#headCap) {
      const take = Math.min(this.#headCap - this.#headBytes, rest.length);
      this.#head.push(rest.subarray(0, take));
      this.#headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0 || this.#tailCap === 0) return;
    this.#tail.push(rest);
    this.#tailBytes += rest.length;
    // Drop whole chunks from the front while the rest still covers the tail cap.
    while (this.#tail.length > 1 && this.#tailBytes - (this.#tail[0]?.length ?? 0) >= this.#tailCap) {
      this.#tailBytes -= this.#tail.shift()?.length ?? 0;
    }
  }

  /** The captured text; when bytes were dropped, an explicit marker says how many. */
  text(): string {
    const head = Buffer.concat(this.#head);
    let tail = Buffer.concat(this.#tail);
    if (tail.length > this.#tailCap) tail = tail.subarray(tail.length - this.#tailCap);
    if (!this.truncated) return Buffer.concat([head, tail]).toString('utf8');
    const dropped = this.#total - head.length - tail.length;
    return `${head.toString('utf8')}\n…[truncated ${dropped} bytes]…\n${tail.toString('utf8')}`;
  }
}
