import { randomBytes } from 'node:crypto';
import { FleetError } from '../errors/index.js';
import { bridgeInit } from './bridgeScript.js';
import { MarkerScanner } from './markerScanner.js';

/** What the bridge needs of a channel: ssh2's ClientChannel, or a local `/bin/sh` child in tests. */
export interface ShellStream {
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  write(text: string): void;
  /** Ends the shell (EOF on its stdin) and closes the channel. */
  close(): void;
  onClose(listener: () => void): void;
}

export interface RequestHandlers {
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Markers other than the end markers (`p`, `x`, `f`), as they arrive. */
  onMarker?: (kind: string, payload: string) => void;
}

export interface RequestOutcome {
  /** The shell's status for the command: 128+n when a signal ended it. */
  status: number | null;
}

interface Pending {
  scanOut: MarkerScanner;
  scanErr: MarkerScanner;
  outDone: boolean;
  errDone: boolean;
  status: number | null;
  resolve: (outcome: RequestOutcome) => void;
  reject: (error: Error) => void;
}

const newNonce = () => randomBytes(12).toString('hex');

/**
 * One remote `/bin/sh` kept open on a channel, running one request at a time. A request is
 * finished when both of its end markers arrived; bytes that arrive while no request runs
 * (a daemon the last command left holding the channel) make the bridge unusable, because
 * they would otherwise show up in the next command's output.
 */
export class Bridge {
  readonly #stream: ShellStream;
  #pending: Pending | undefined;
  #dead: string | undefined;
  #lastUsed = 0;

  private constructor(stream: ShellStream) {
    this.#stream = stream;
    stream.stdout.on('data', (chunk: Buffer) => this.#data('out', chunk));
    stream.stderr.on('data', (chunk: Buffer) => this.#data('err', chunk));
    stream.onClose(() => this.#fail('the SSH channel closed'));
  }

  /** Starts the helpers and waits for the shell to say it is ready (its pid). */
  static async start(stream: ShellStream, timeoutMs: number): Promise<Bridge> {
    const bridge = new Bridge(stream);
    const nonce = newNonce();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve, reject) => {
          // Login scripts may print a banner first, on either stream: everything before the
          // ready markers is dropped, and both must arrive so no late noise is taken as stray.
          let out = false;
          let err = false;
          const ready = (which: 'out' | 'err') => (kind: string) => {
            if (kind !== 'ready') return;
            if (which === 'out') out = true;
            else err = true;
            if (out && err) resolve();
          };
          // What the shell said before failing (a `nologin` shell, a ForceCommand) is the
          // useful part of the error.
          let said = '';
          bridge.#pending = {
            scanOut: new MarkerScanner(nonce, () => {}, ready('out')),
            scanErr: new MarkerScanner(
              nonce,
              (chunk) => {
                said = (said + chunk.toString('utf8')).slice(-1000);
              },
              ready('err'),
            ),
            outDone: false,
            errDone: false,
            status: null,
            resolve: () => resolve(),
            reject: (error) => {
              const words = said.trim();
              reject(
                words && error instanceof FleetError
                  ? new FleetError(error.code, `the remote shell did not start: ${words}`, error.data)
                  : error,
              );
            },
          };
          stream.write(bridgeInit(nonce));
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new FleetError('TIMEOUT', `the remote shell did not start within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      stream.close();
      throw error;
    } finally {
      clearTimeout(timer);
      bridge.#pending = undefined;
    }
    bridge.#lastUsed = Date.now();
    return bridge;
  }

  get busy(): boolean {
    return this.#pending !== undefined;
  }

  get dead(): boolean {
    return this.#dead !== undefined;
  }

  get idleSince(): number {
    return this.#lastUsed;
  }

  /** Runs shell text built for `nonce` (see bridgeScript) and resolves when both streams ended. */
  run(build: (nonce: string) => string, handlers: RequestHandlers = {}): Promise<RequestOutcome> {
    if (this.#dead) return Promise.reject(lost(this.#dead));
    if (this.#pending) return Promise.reject(new Error('bridge is busy'));
    const nonce = newNonce();
    return new Promise<RequestOutcome>((resolve, reject) => {
      // Bytes after this request's end markers (in the same chunk) belong to no request.
      const live = (deliver: (chunk: Buffer) => void) => (chunk: Buffer) => {
        if (this.#pending === pending) deliver(chunk);
        else if (!this.#dead)
          this.close('output arrived after a command ended (a process left holding the channel)');
      };
      const pending: Pending = {
        scanOut: new MarkerScanner(
          nonce,
          live((chunk) => handlers.onStdout?.(chunk)),
          (kind, payload) => {
            if (kind === 'e') {
              pending.outDone = true;
              const status = Number.parseInt(payload, 10);
              pending.status = Number.isFinite(status) ? status : null;
              this.#maybeDone();
            } else handlers.onMarker?.(kind, payload);
          },
        ),
        scanErr: new MarkerScanner(
          nonce,
          live((chunk) => handlers.onStderr?.(chunk)),
          (kind) => {
            if (kind === 'e') {
              pending.errDone = true;
              this.#maybeDone();
            }
          },
        ),
        outDone: false,
        errDone: false,
        status: null,
        resolve,
        reject,
      };
      this.#pending = pending;
      try {
        this.#stream.write(build(nonce));
      } catch (error) {
        this.#pending = undefined;
        reject(error as Error);
      }
    });
  }

  /** Ends the shell; a request still running fails. */
  close(reason = 'the bridge was closed'): void {
    this.#fail(reason);
    this.#stream.close();
  }

  #data(which: 'out' | 'err', chunk: Buffer): void {
    const pending = this.#pending;
    if (!pending) {
      if (!this.#dead)
        this.close('output arrived while no command was running (a process left holding the channel)');
      return;
    }
    (which === 'out' ? pending.scanOut : pending.scanErr).push(chunk);
  }

  #maybeDone(): void {
    const pending = this.#pending;
    if (!pending?.outDone || !pending.errDone) return;
    this.#pending = undefined;
    this.#lastUsed = Date.now();
    pending.resolve({ status: pending.status });
  }

  #fail(reason: string): void {
    if (this.#dead) return;
    this.#dead = reason;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(lost(reason));
  }
}

function lost(reason: string): FleetError {
  return new FleetError('UNAVAILABLE', `connection to the device lost: ${reason}`, { lost: true });
}
