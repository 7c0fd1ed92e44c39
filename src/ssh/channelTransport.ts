import {
  type JSONRPCMessage,
  ReadBuffer,
  serializeMessage,
  type Transport,
} from '@modelcontextprotocol/client';
import type { ClientChannel } from 'ssh2';

/** Largest stderr kept from the remote agent, for the error when it exits. */
const STDERR_TAIL = 4096;

/**
 * MCP's stdio transport over an SSH channel running `mcp-fleet agent --stdio` on the device:
 * newline-delimited JSON-RPC on the channel's stdout and stdin, the agent's logs on stderr.
 * The agent lives exactly as long as the channel, so nothing stays resident on the device
 * after the hub closes it (or the connection drops, which ends the agent's stdin).
 */
export class SshChannelTransport implements Transport {
  readonly #channel: ClientChannel;
  readonly #buffer = new ReadBuffer();
  #stderr = '';
  #closed = false;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  constructor(channel: ClientChannel) {
    this.#channel = channel;
  }

  /** What the remote command wrote on stderr lately (its last words when it exits early). */
  get stderrTail(): string {
    return this.#stderr;
  }

  async start(): Promise<void> {
    this.#channel.on('data', (chunk: Buffer) => {
      this.#buffer.append(chunk);
      for (;;) {
        let message: JSONRPCMessage | null;
        try {
          message = this.#buffer.readMessage();
        } catch (error) {
          this.onerror?.(error as Error);
          continue;
        }
        if (message === null) break;
        this.onmessage?.(message);
      }
    });
    this.#channel.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    this.#channel.on('error', (error: Error) => this.onerror?.(error));
    this.#channel.once('close', () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#buffer.clear();
      this.onclose?.();
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) throw new Error('the SSH channel to the agent is closed');
    const line = serializeMessage(message);
    await new Promise<void>((resolve) => {
      if (this.#channel.write(line)) resolve();
      else this.#channel.once('drain', () => resolve());
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel.end();
    this.#channel.close();
    this.#buffer.clear();
    this.onclose?.();
  }
}
