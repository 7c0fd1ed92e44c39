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
import { type BridgePool, createBridgePool } from './bridgePool.js';
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
  let facts: Promise<RemoteFacts> | undefined;
  connection.onDown(() => {
    facts = undefined;
  });

  /** Runs one of our own scripts (never caller text) and returns its stdout. */
  async function internal(
    script: string,
    timeoutMs = PROBE_TIMEOUT_MS,
  ): Promise<{ out: Buffer; status: number | null }> {
    const release = connection.hold();
    try {
      const result = await execOverBridge(
        pool,
        { shell: script, timeoutMs, maxOutputBytes: options.maxReadFilesBytes ?? 64 * 1024 * 1024 },
        {},
      );
      return { out: Buffer.from(result.stdout, 'utf8'), status: result.exit_code };
    } finally {
      release();
    }
  }

  /** Like `internal`, but raw bytes: readFiles output must stay byte-exact. */
  async function internalRaw(script: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<Buffer> {
    const release = connection.hold();
    const lease = await pool.acquire();
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        lease.bridge.run((nonce) => internalScript(nonce, script), {
          onStdout: (c) => chunks.push(Buffer.from(c)),
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            lease.bridge.close('an internal read did not finish in time');
            reject(new FleetError('TIMEOUT', `${options.name}: reading device files timed out`));
          }, timeoutMs);
        }),
      ]);
      return Buffer.concat(chunks);
    } finally {
      clearTimeout(timer);
      lease.release();
      release();
    }
  }

  function getFacts(): Promise<RemoteFacts> {
    if (!facts) {
      const attempt = internal(FACTS_SCRIPT).then(({ out }) => parseFacts(out.toString('utf8')));
      facts = attempt;
      attempt.catch(() => {
        if (facts === attempt) facts = undefined;
      });
    }
    return facts;
  }

  const files = createSftpFiles({
    sftp: () => connection.sftp(),
    hashRemote: async (path) => {
      const { out, status } = await internal(`sha256sum -- ${shellQuote(path)}`);
      const hex = /^([0-9a-f]{64})\s/.exec(out.toString('utf8'));
      return status === 0 && hex ? (hex[1] as string) : null;
    },
  });

  /** SFTP calls hold the connection so it is not closed as idle under them. */
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

  return {
    name: options.name,
    connection,
    async exec(spec: ExecSpec, control?: ExecControl): Promise<ExecResult> {
      const release = connection.hold();
      try {
        const sudo = spec.argv !== undefined && needsSudo(options.become, spec.argv);
        return await execOverBridge(pool, spec, control, { sudo });
      } finally {
        release();
      }
    },
    realpath: held(files.realpath),
    stat: held(files.stat),
    readFile: held(files.readFile),
    writeFile: held(files.writeFile),
    listDir: held(files.listDir),
    async readFiles(patterns, maxBytesPerFile) {
      const { grepZ } = await getFacts();
      const script = readFilesScript('', patterns, {
        grepZ,
        maxBytesPerFile,
        maxTotalBytes: options.maxReadFilesBytes ?? 64 * 1024 * 1024,
      });
      if (grepZ) return parseGrepZ(await internalRaw(script), maxBytesPerFile);
      // BusyBox: one `head` per file, each after a marker (handled by a scanner in the bridge).
      return readWithMarkers(patterns, maxBytesPerFile);
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
    const release = connection.hold();
    const lease = await pool.acquire();
    const out = new Map<string, Buffer[]>();
    let current: Buffer[] | undefined;
    try {
      await lease.bridge.run(
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
    } finally {
      lease.release();
      release();
    }
    return new Map([...out].map(([path, parts]) => [path, Buffer.concat(parts).toString('utf8')]));
  }
}
