import { type ChildProcess, spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/client';
import { DEFAULT_INHERITED_ENV_VARS } from '@modelcontextprotocol/client/stdio';
import { killProcessGroup } from '../../device/index.js';
import { FleetError } from '../../errors/index.js';
import type { Logger } from '../../log/index.js';

/** Inherited beyond the SDK's safe list: locale and temp dir, so servers format and write files sanely. */
const EXTRA_INHERITED = ['LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'TZ'];
/** Never inherited, whatever the list says: the hub's own credentials and settings. */
const HUB_PRIVATE = /^MCP_FLEET_/;

/**
 * The environment of a stdio server: a small safe subset of the hub's own (like the SDK's
 * `getDefaultEnvironment()`: PATH, HOME, USER, …, so `npx` and interpreters work) plus the
 * server's configured `env`. Everything else (tokens, cloud credentials) stays in the hub.
 */
export function stdioChildEnv(
  inherited: NodeJS.ProcessEnv,
  configured: Readonly<Record<string, string>>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of [...DEFAULT_INHERITED_ENV_VARS, ...EXTRA_INHERITED]) {
    const value = inherited[key];
    // A value starting with `()` is an exported shell function: never a setting, skip it (as the SDK does).
    if (value === undefined || value.startsWith('()') || HUB_PRIVATE.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...configured };
}

export interface StdioTransportOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives the server's stderr at debug level. */
  logger: Logger;
  spawn?: (command: string, args: string[], options: SpawnOptions) => ChildProcess;
  /** Kills a process group and resolves with whether it is verified gone. */
  killGroup?: (pgid: number) => Promise<boolean>;
  /** Largest single JSON-RPC message accepted from the server. */
  maxMessageBytes?: number;
}

/** How the process ended, for the server's `last_error`. */
export interface StdioExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the server wrote to stderr (bounded), usually the reason it died. */
  stderrTail: string;
}

const MAX_STDERR_LINE = 2000;
const STDERR_TAIL = 1000;

/**
 * An MCP client transport over a child process started in its own process group (`detached`,
 * i.e. setsid). The SDK's StdioClientTransport kills only its direct child, so an `npx` or
 * `sh -c` wrapper would leave the real server running; here the group is the unit: when the
 * leader exits, or on close(), the whole group is killed and verified gone before `onclose`.
 *
 * It has `pid` and `stderr` members so the SDK treats it as stdio-shaped: during the era probe
 * a silent server counts as a legacy one instead of an outage.
 */
export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #options: StdioTransportOptions;
  readonly #readBuffer: ReadBuffer;
  #child: ChildProcess | undefined;
  #stopping: Promise<boolean> | undefined;
  #exit: StdioExit | undefined;
  #stderrTail = '';
  #resolveEnded: (gone: boolean) => void = () => {};
  readonly #ended = new Promise<boolean>((resolve) => {
    this.#resolveEnded = resolve;
  });
  #stderrPartial = '';

  constructor(options: StdioTransportOptions) {
    this.#options = options;
    this.#readBuffer = new ReadBuffer(
      options.maxMessageBytes ? { maxBufferSize: options.maxMessageBytes } : undefined,
    );
  }

  /** The process group leader's pid (also the group id), once started. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Always null: stderr goes to the logger. Present so the SDK recognises a stdio transport. */
  get stderr(): null {
    return null;
  }

  /** How the process ended; undefined while it runs. */
  exit(): StdioExit | undefined {
    return this.#exit;
  }

  async start(): Promise<void> {
    if (this.#child) throw new Error('StdioTransport already started');
    const { command, args, env, cwd } = this.#options;
    const spawn = this.#options.spawn ?? nodeSpawn;
    const describe = (error: NodeJS.ErrnoException): FleetError => {
      const message =
        error.code === 'ENOENT'
          ? `command not found: ${command}${cwd ? ` (or no such working directory: ${cwd})` : ''}`
          : `cannot start ${command}: ${error.message}`;
      return new FleetError('EXEC_FAILED', message, { errno: error.code ?? null });
    };
    let child: ChildProcess;
    try {
      child = spawn(command, [...args], {
        cwd,
        env,
        detached: true, // setsid(): the server leads a new process group that close() kills as a whole
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      throw describe(error as NodeJS.ErrnoException);
    }
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      const onSpawn = () => {
        child.off('error', onError);
        resolve();
      };
      const onError = (error: NodeJS.ErrnoException) => {
        child.off('spawn', onSpawn);
        reject(describe(error));
      };
      child.once('spawn', onSpawn);
      child.once('error', onError);
    });
    child.on('error', (error) =>
      this.#options.logger.debug({ err: error.message }, 'stdio server process error'),
    );
    child.stdout?.on('data', (chunk: Buffer) => this.#onStdout(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.#onStderr(chunk));
    // EPIPE when the server is gone: the exit handler below reports the end.
    child.stdin?.on('error', () => {});
    child.once('exit', () => void this.#stop());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin || this.#stopping || !stdin.writable) throw new Error('stdio server is not running');
    await new Promise<void>((resolve, reject) => {
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Kills the whole process group, verifies it is gone, then fires `onclose` once. */
  async close(): Promise<void> {
    await this.#stop();
  }

  /**
   * Resolves, without causing it, once the transport has ended (the process exited or close()
   * was called), with whether the process group is verified gone.
   */
  ended(): Promise<boolean> {
    return this.#ended;
  }

  #stop(): Promise<boolean> {
    this.#stopping ??= (async () => {
      const child = this.#child;
      let gone = true;
      if (child?.pid !== undefined) {
        child.stdin?.end();
        const killGroup = this.#options.killGroup ?? ((pgid: number) => killProcessGroup(pgid));
        // Even after the leader exited, its children (an npx wrapper's server) may live on in the group.
        gone = await killGroup(child.pid).catch(() => false);
        if (!gone)
          this.#options.logger.error({ pgid: child.pid }, 'stdio server process group survived SIGKILL');
        // The last stderr lines (why it died) may still be in the pipe: read them, but not for long,
        // since a process that left the group (setsid) may hold the pipes open forever.
        await drained(child, 200);
        this.#flushStderr();
        this.#exit = { code: child.exitCode, signal: child.signalCode, stderrTail: this.#stderrTail.trim() };
        child.stdout?.destroy();
        child.stderr?.destroy();
        child.stdin?.destroy();
        child.stdout?.removeAllListeners('data');
        child.stderr?.removeAllListeners('data');
      }
      this.#readBuffer.clear();
      this.onclose?.();
      this.#resolveEnded(gone);
      return gone;
    })();
    return this.#stopping;
  }

  #onStdout(chunk: Buffer): void {
    try {
      this.#readBuffer.append(chunk);
      for (let message = this.#readBuffer.readMessage(); message; message = this.#readBuffer.readMessage()) {
        this.onmessage?.(message);
      }
    } catch (error) {
      // An oversized or broken frame: the stream cannot be resynchronised, so the server is stopped.
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      void this.#stop();
    }
  }

  #onStderr(chunk: Buffer): void {
    let text = this.#stderrPartial + chunk.toString('utf8');
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      this.#stderrLine(text.slice(0, newline));
      text = text.slice(newline + 1);
      newline = text.indexOf('\n');
    }
    // A server that never writes a newline must not grow this buffer without bound.
    if (text.length > MAX_STDERR_LINE) {
      this.#stderrLine(text);
      text = '';
    }
    this.#stderrPartial = text;
  }

  #flushStderr(): void {
    if (this.#stderrPartial) this.#stderrLine(this.#stderrPartial);
    this.#stderrPartial = '';
  }

  #stderrLine(raw: string): void {
    const line = raw.replace(/\r$/, '').slice(0, MAX_STDERR_LINE);
    if (!line.trim()) return;
    this.#options.logger.debug({ stderr: line }, 'stdio server stderr');
    this.#stderrTail = `${this.#stderrTail}\n${line}`.slice(-STDERR_TAIL);
  }
}

/** Waits until the child's stdout and stderr have closed, or `ms` passed. */
async function drained(child: ChildProcess, ms: number): Promise<void> {
  const pipes = [child.stdout, child.stderr].filter((p): p is Readable => p !== null && !p.closed);
  if (pipes.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(pipes.map((p) => new Promise((resolve) => p.once('close', resolve)))),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** A transport for one run of a stdio server; a restart makes a new one. */
export function createStdioTransport(options: StdioTransportOptions): StdioTransport {
  return new StdioTransport(options);
}
