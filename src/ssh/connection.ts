import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import {
  type AgentAuthMethod,
  Client,
  type ClientChannel,
  type ConnectConfig,
  type PublicKeyAuthMethod,
  type SFTPWrapper,
} from 'ssh2';
import { FleetError } from '../errors/index.js';
import type { ShellStream } from './bridge.js';
import { createHostKeyVerifier, type HostKeyPolicy } from './hostKeyVerifier.js';

export interface SshTarget {
  /** The device name, for messages. */
  device: string;
  host: string;
  port: number;
  user: string;
  /** Private key files to offer, in order (after the ssh-agent, when there is one). */
  identityFiles: readonly string[];
  /** Passphrase for encrypted identity files (from the environment; never from fleet.yaml). */
  passphrase?: string;
  /** ssh-agent socket (SSH_AUTH_SOCK). */
  agentSocket?: string;
  hostKey: HostKeyPolicy;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** A jump host: the connection this one is tunnelled through (`via`). */
  via?: SshConnection;
}

export interface SshConnection {
  readonly target: SshTarget;
  /** Whether a connection is up now (no reconnect is attempted by asking). */
  readonly connected: boolean;
  /** Opens `/bin/sh` on a new session channel for a bridge. */
  openShell(): Promise<ShellStream>;
  /** Runs `command` on a new session channel (for `agent_command`). */
  exec(command: string): Promise<ClientChannel>;
  /** The connection's SFTP session, opened once and reused. */
  sftp(): Promise<SFTPWrapper>;
  /** A TCP stream from the remote end to `host:port` (this connection as a jump host). */
  forwardOut(host: string, port: number): Promise<Duplex>;
  /** Resolves once connected (connecting when needed) without counting as use for idle close. */
  ping(): Promise<void>;
  /** Keeps the connection from idling out while the returned function has not been called. */
  hold(): () => void;
  /** Closes the connection if nothing held it for `idleMs`; true when it closed. */
  closeIfIdle(idleMs: number, now?: number): boolean;
  /** Called whenever the connection goes down (dropped, closed, idle). */
  onDown(listener: () => void): void;
  close(): void;
}

export interface SshConnectionDeps {
  readFile?: (path: string) => Promise<Buffer>;
  now?: () => number;
}

/** ssh2's errors for refused credentials carry this level. */
function isAuthFailure(error: unknown): boolean {
  return (error as { level?: string })?.level === 'client-authentication';
}

/**
 * One SSH connection per device, made on first use and again after it dropped (the next
 * call reconnects). Host keys are checked before any credential is sent; keepalives notice
 * a dead peer; `via` tunnels through another device's connection.
 */
export function createSshConnection(target: SshTarget, deps: SshConnectionDeps = {}): SshConnection {
  const read = deps.readFile ?? ((path: string) => readFile(path));
  const now = deps.now ?? Date.now;
  const verifier = createHostKeyVerifier(target.hostKey);
  let current: Promise<Client> | undefined;
  let sftpSession: Promise<SFTPWrapper> | undefined;
  let holds = 0;
  let lastActive = now();
  let closed = false;
  const downListeners: Array<() => void> = [];
  let up = false;

  const where = `${target.user}@${target.host}:${target.port}`;

  async function authMethods(): Promise<Array<AgentAuthMethod | PublicKeyAuthMethod>> {
    const methods: Array<AgentAuthMethod | PublicKeyAuthMethod> = [];
    if (target.agentSocket)
      methods.push({ type: 'agent', username: target.user, agent: target.agentSocket } as const);
    const unreadable: string[] = [];
    for (const file of target.identityFiles) {
      let key: Buffer;
      try {
        key = await read(file);
      } catch (error) {
        // As ssh does: a missing key is skipped (the agent or another key may do).
        unreadable.push(`${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        continue;
      }
      methods.push({
        type: 'publickey' as const,
        username: target.user,
        key,
        ...(target.passphrase !== undefined ? { passphrase: target.passphrase } : {}),
      });
    }
    if (methods.length === 0) {
      throw new FleetError(
        'AUTH_FAILED',
        `${target.device}: no SSH credential to offer: set ssh.identity_file, or run an ssh-agent (SSH_AUTH_SOCK)` +
          (unreadable.length ? ` (unreadable: ${unreadable.join(', ')})` : ''),
      );
    }
    return methods;
  }

  async function connect(): Promise<Client> {
    const [methods, preferred] = await Promise.all([authMethods(), verifier.preferredKeyTypes()]);
    let sock: Duplex | undefined;
    let releaseVia: (() => void) | undefined;
    if (target.via) {
      releaseVia = target.via.hold();
      try {
        sock = await within(
          target.via.forwardOut(target.host, target.port),
          target.connectTimeoutMs,
          (late) => late.destroy(),
        );
      } catch (error) {
        releaseVia();
        const hop = target.via.target.device;
        // The jump host refusing us (its key, our credentials) is that, not an unreachable device.
        if (
          error instanceof FleetError &&
          (error.code === 'HOST_KEY_REJECTED' || error.code === 'AUTH_FAILED')
        ) {
          throw new FleetError(error.code, `${target.device}: through ${hop}: ${error.message}`, error.data, {
            cause: error,
          });
        }
        throw new FleetError(
          'UNAVAILABLE',
          `${target.device}: cannot reach ${target.host}:${target.port} through ${hop}: ${(error as Error).message}`,
          { unreachable: true },
          { cause: error },
        );
      }
    }
    const client = new Client();
    let rejection: FleetError | undefined;
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: target.keepaliveIntervalMs,
      keepaliveCountMax: target.keepaliveCountMax,
      authHandler: methods,
      ...(sock ? { sock } : {}),
      ...(preferred ? { algorithms: { serverHostKey: preferred as never } } : {}),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        verifier.verify(key).then(
          () => verify(true),
          (error: unknown) => {
            rejection =
              error instanceof FleetError
                ? error
                : new FleetError('HOST_KEY_REJECTED', `${target.device}: ${(error as Error).message}`);
            verify(false);
          },
        );
      },
    };
    return new Promise<Client>((resolve, reject) => {
      let ready = false;
      client.once('ready', () => {
        // Small requests back to back: with Nagle on, each waits for the peer's delayed ACK
        // (about 40 ms) as soon as more than one channel has been used on the connection.
        client.setNoDelay(true);
        ready = true;
        up = true;
        resolve(client);
      });
      client.on('error', (error: Error) => {
        if (ready) return; // 'close' follows and marks the connection down
        reject(classifyConnectError(error, rejection, preferred));
      });
      client.once('close', () => {
        releaseVia?.();
        if (!ready)
          reject(
            classifyConnectError(new Error('connection closed during the handshake'), rejection, preferred),
          );
        down(client);
      });
      client.connect(config);
    });
  }

  function classifyConnectError(
    error: Error,
    rejection: FleetError | undefined,
    preferred: string[] | undefined,
  ): FleetError {
    if (rejection) return rejection;
    // Only the key types on record were offered; a server that has none of them any more has
    // changed its host key (OpenSSH says so too), which must not pass for "unreachable".
    if (preferred && /host key/i.test(error.message) && /no matching|handshake failed/i.test(error.message)) {
      return new FleetError(
        'HOST_KEY_REJECTED',
        `${target.device}: ${target.host}:${target.port} no longer offers a host key of the type on record ` +
          `(${preferred.join(', ')}): its host key has changed. If that is expected, update ` +
          `${target.hostKey.knownHostsFiles[0] ?? 'known_hosts'} after checking the new key out of band`,
        { host: target.host, port: target.port, fingerprint: null, key_type: null, reason: 'changed' },
        { cause: error },
      );
    }
    if (isAuthFailure(error)) {
      return new FleetError(
        'AUTH_FAILED',
        `${target.device}: ${where} refused every credential offered (${error.message})`,
        {},
        { cause: error },
      );
    }
    return new FleetError(
      'UNAVAILABLE',
      `${target.device}: cannot connect to ${where}: ${error.message}`,
      { unreachable: true },
      { cause: error },
    );
  }

  function down(client: Client): void {
    void current?.then(
      (c) => {
        if (c === client) reset();
      },
      () => {},
    );
  }

  function reset(): void {
    const had = up;
    current = undefined;
    sftpSession = undefined;
    up = false;
    if (had) for (const listener of downListeners) listener();
  }

  /** Marks the connection down now and ends it once it is up (a handshake in progress too). */
  function drop(): void {
    const closing = current;
    reset();
    void closing?.then(
      (c) => c.end(),
      () => {},
    );
  }

  function client(): Promise<Client> {
    if (closed) return Promise.reject(new FleetError('UNAVAILABLE', `${target.device}: connection closed`));
    lastActive = now();
    if (!current) {
      const attempt = connect();
      current = attempt;
      attempt.catch(() => {
        if (current === attempt) current = undefined;
      });
    }
    return current;
  }

  const channel = (open: (c: Client, cb: (err: Error | undefined, ch: ClientChannel) => void) => void) =>
    client().then(
      (c) =>
        new Promise<ClientChannel>((resolve, reject) => {
          open(c, (err, ch) => {
            if (err) {
              reject(
                new FleetError(
                  'UNAVAILABLE',
                  `${target.device}: cannot open an SSH channel: ${err.message}`,
                  {},
                  {
                    cause: err,
                  },
                ),
              );
            } else resolve(ch);
          });
        }),
    );

  return {
    target,
    get connected() {
      return up;
    },
    async openShell() {
      const ch = await channel((c, cb) => c.exec('/bin/sh', cb));
      // A write racing the remote end's close emits 'error'; 'close' follows and fails the bridge.
      ch.on('error', () => {});
      return {
        stdout: ch,
        stderr: ch.stderr,
        write: (text: string) => {
          lastActive = now();
          ch.write(text);
        },
        close: () => {
          ch.end();
          ch.close();
        },
        onClose: (listener: () => void) => {
          ch.once('close', listener);
        },
      };
    },
    exec: (command) => channel((c, cb) => c.exec(command, cb)),
    sftp() {
      lastActive = now();
      if (!sftpSession) {
        const attempt = client().then(
          (c) =>
            new Promise<SFTPWrapper>((resolve, reject) => {
              c.sftp((err, sftp) => {
                if (err) {
                  reject(
                    new FleetError('UNAVAILABLE', `${target.device}: SFTP is not available: ${err.message}`),
                  );
                  return;
                }
                sftp.once('close', () => {
                  if (sftpSession === attempt) sftpSession = undefined;
                });
                resolve(sftp);
              });
            }),
        );
        sftpSession = attempt;
        attempt.catch(() => {
          if (sftpSession === attempt) sftpSession = undefined;
        });
      }
      return sftpSession;
    },
    forwardOut: (host, port) =>
      client().then(
        (c) =>
          new Promise<Duplex>((resolve, reject) => {
            c.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream)));
          }),
      ),
    async ping() {
      if (current) {
        await current;
        return;
      }
      const at = lastActive;
      await client();
      lastActive = at;
    },
    hold() {
      holds++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds--;
        lastActive = now();
      };
    },
    closeIfIdle(idleMs, at = now()) {
      if (!current || holds > 0 || at - lastActive < idleMs) return false;
      drop();
      return true;
    },
    onDown(listener) {
      downListeners.push(listener);
    },
    close() {
      closed = true;
      drop();
    },
  };
}

/** `promise`, or a TIMEOUT after `ms`; a value that arrives late is handed to `discard`. */
function within<T>(promise: Promise<T>, ms: number, discard: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new FleetError('TIMEOUT', `no answer within ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        if (done) discard(value);
        else {
          clearTimeout(timer);
          resolve(value);
        }
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!done) reject(error);
      },
    );
  });
}
