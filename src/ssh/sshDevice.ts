import type {
  Device,
  DeviceCapabilities,
  DiskUsage,
  ExecControl,
  ExecResult,
  ExecSpec,
  NetworkAddress,
} from '../device/index.js';
import { parseIpAddrOneline } from '../device/parsers/index.js';
import { FleetError } from '../errors/index.js';
import { type BecomeRules, needsSudo } from './become.js';
import type { RequestHandlers } from './bridge.js';
import { type BridgeLease, type BridgePool, createBridgePool } from './bridgePool.js';
import { FACTS_SCRIPT, internalScript, readFilesScript } from './bridgeScript.js';
import type { SshConnection } from './connection.js';
import { execOverBridge } from './remoteExec.js';
import { parseFacts, parseGrepZ, parseStatFs, type RemoteFacts } from './remoteText.js';
import { createSftpFiles } from './sftpFiles.js';
import { shellQuote } from './shellQuote.js';

export interface SshDeviceOptions {
  name: string;
  connection: SshConnection;
  /** Bridges (remote shells) kept open for concurrent calls. */
  maxChannels?: number;
  become?: BecomeRules;
  /** Whole remote output of one readFiles, at most. */
  maxReadFilesBytes?: number;
}

export interface SshDevice extends Device {
  readonly connection: SshConnection;
  /** Bridges open now (for tests and status). */
  channels(): number;
  /** Closes the bridges and the connection when unused for `idleMs`. */
  closeIfIdle(idleMs: number): boolean;
  close(): void;
}

/** What internal probes may take; a hung NFS mount must not hang status. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * A device reached over SSH with nothing installed on it: the agent's primitives over one
 * connection, commands through persistent bridges (a remote `/bin/sh` per channel, so a call
 * costs a round trip rather than a channel), files over SFTP, /proc and /sys text fetched in
 * one round trip for the same parsers the agent uses.
 */
export function createSshDevice(options: SshDeviceOptions): SshDevice {
  const { connection } = options;
  const pool: BridgePool = createBridgePool({
    open: () => connection.openShell(),
    max: options.maxChannels ?? 4,
    startTimeoutMs: connection.target.connectTimeoutMs,
  });
  const maxReadFilesBytes = options.maxReadFilesBytes ?? 64 * 1024 * 1024;
  let facts: Promise<RemoteFacts> | undefined;
  connection.onDown(() => {
    facts = undefined;
  });

  /** Calls (commands, SFTP) hold the connection so it is not closed as idle under them. */
  const held =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const release = connection.hold();
      try {
        return await fn(...args);
      } finally {
        release();
      }
    };

  /** Runs one of our own scripts (never caller text) and returns its stdout. */
  const internal = held(
    async (
      script: string,
      timeoutMs: number = PROBE_TIMEOUT_MS,
    ): Promise<{ out: Buffer; status: number | null; timedOut: boolean }> => {
      const result = await execOverBridge(
        pool,
        { shell: script, timeoutMs, maxOutputBytes: maxReadFilesBytes },
        {},
      );
      return {
        out: Buffer.from(result.stdout, 'utf8'),
        status: result.exit_code,
        timedOut: result.timed_out,
      };
    },
  );

  /**
   * Runs our own shell text in the bridge's shell with raw handlers (byte-exact output). A read
   * that does not finish in time (a process stuck in D state on a hung mount) closes its bridge,
   * which is the only way to stop it there, and fails the call.
   */
  async function rawRun(
    build: (nonce: string) => string,
    handlers: RequestHandlers,
    timeoutMs = PROBE_TIMEOUT_MS,
  ): Promise<void> {
    const release = connection.hold();
    let timer: NodeJS.Timeout | undefined;
    let lease: BridgeLease | undefined;
    try {
      lease = await pool.acquire();
      const bridge = lease.bridge;
      await Promise.race([
        bridge.run(build, handlers),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            bridge.close('an internal read did not finish in time');
            reject(new FleetError('TIMEOUT', `${options.name}: reading device files timed out`));
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      lease?.release();
      release();
    }
  }

  async function internalRaw(script: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    await rawRun((nonce) => internalScript(nonce, script), { onStdout: (c) => chunks.push(Buffer.from(c)) });
    return Buffer.concat(chunks);
  }

  function getFacts(): Promise<RemoteFacts> {
    if (!facts) {
      const attempt = internal(FACTS_SCRIPT).then(({ out, timedOut }) => {
        // Partial output would be cached for the whole connection: fail and ask again next time.
        if (timedOut) throw new FleetError('TIMEOUT', `${options.name}: probing the device timed out`);
        return parseFacts(out.toString('utf8'));
      });
      facts = attempt;
      attempt.catch(() => {
        if (facts === attempt) facts = undefined;
      });
    }
    return facts;
  }

  const files = createSftpFiles({
    sftp: () => connection.sftp(),
    hashRemote: async (path, size) => {
      // Time for the device to read the file: 5 s plus 1 s per 10 MB (a Pi's SD card is slow).
      const { out, status, timedOut } = await internal(
        `sha256sum -- ${shellQuote(path)}`,
        PROBE_TIMEOUT_MS + Math.ceil(size / 10_000_000) * 1000,
      );
      if (timedOut) throw new FleetError('TIMEOUT', `${options.name}: hashing ${path} timed out`, { path });
      const hex = /^([0-9a-f]{64})\s/.exec(out.toString('utf8'));
      if (status !== 0 || !hex) {
        throw new FleetError('IO_ERROR', `${options.name}: cannot hash ${path} (sha256sum exit ${status})`, {
          path,
        });
      }
      return hex[1] as string;
    },
    copyRemote: async (from, to) => {
      // A backup too large to stream through the hub is copied on the device.
      const { status, out } = await internal(`cp -p -- ${shellQuote(from)} ${shellQuote(to)} 2>&1`, 60_000);
      if (status !== 0) {
        throw new FleetError(
          'IO_ERROR',
          `${options.name}: cannot copy ${from} to ${to}: ${out.toString('utf8').trim()}`,
          {
            path: from,
          },
        );
      }
    },
  });

  return {
    name: options.name,
    connection,
    exec: held(
      (spec: ExecSpec, control?: ExecControl): Promise<ExecResult> =>
        execOverBridge(pool, spec, control, {
          sudo: spec.argv !== undefined && needsSudo(options.become, spec.argv),
        }),
    ),
    realpath: held(files.realpath),
    stat: held(files.stat),
    readFile: held(files.readFile),
    writeFile: held(files.writeFile),
    listDir: held(files.listDir),
    async readFiles(patterns, maxBytesPerFile) {
      const { grepZ } = await getFacts();
      // BusyBox: one `head` per file, each after a marker (handled by a scanner in the bridge).
      if (!grepZ) return readWithMarkers(patterns, maxBytesPerFile);
      const script = readFilesScript('', patterns, {
        grepZ,
        maxBytesPerFile,
        maxTotalBytes: maxReadFilesBytes,
      });
      return parseGrepZ(await internalRaw(script), maxBytesPerFile);
    },
    async diskUsage(mountpoints: readonly string[]): Promise<DiskUsage[]> {
      if (mountpoints.length === 0) return [];
      const list = mountpoints.map(shellQuote).join(' ');
      // One process for all mounts; a dead network mount is killed with the probe's timeout.
      const { out } = await internal(`stat -f -c '%S %b %f %a %n' -- ${list} 2>/dev/null`, 2000).catch(
        () => ({
          out: Buffer.alloc(0),
        }),
      );
      return parseStatFs(out.toString('utf8'));
    },
    async networkAddresses(): Promise<Record<string, NetworkAddress[]>> {
      if (!(await getFacts()).ip) return {};
      const { out } = await internal('ip -o addr show');
      return parseIpAddrOneline(out.toString('utf8'));
    },
    machine: async () => (await getFacts()).machine,
    async capabilities(): Promise<DeviceCapabilities> {
      const f = await getFacts();
      return { systemd: f.systemd, journald: f.journald, tmux: f.tmux };
    },
    channels: () => pool.size(),
    closeIfIdle(idleMs) {
      pool.prune(idleMs);
      if (pool.size() > 0) return false;
      return connection.closeIfIdle(idleMs);
    },
    close() {
      pool.close();
      connection.close();
    },
  };

  async function readWithMarkers(
    patterns: readonly string[],
    maxBytesPerFile: number,
  ): Promise<Map<string, string>> {
    const out = new Map<string, Buffer[]>();
    let current: Buffer[] | undefined;
    await rawRun(
      (nonce) =>
        internalScript(
          nonce,
          readFilesScript(nonce, patterns, { grepZ: false, maxBytesPerFile, maxTotalBytes: 0 }),
        ),
      {
        onMarker: (kind, payload) => {
          if (kind !== 'f') return;
          current = [];
          out.set(payload, current);
        },
        onStdout: (chunk) => current?.push(Buffer.from(chunk)),
      },
    );
    return new Map([...out].map(([path, parts]) => [path, Buffer.concat(parts).toString('utf8')]));
  }
}
