import { constants } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ExecControl, ExecResult, ExecSpec } from '../device/index.js';
import { OutputCapture } from '../device/local/outputCapture.js';
import { FleetError } from '../errors/index.js';
import type { BridgePool } from './bridgePool.js';
import { commandScript, internalScript, killScript } from './bridgeScript.js';

export interface RemoteExecOptions {
  /** Run under `sudo -n` (the device's become rules allowed this command). */
  sudo?: boolean;
  /** SIGTERM to SIGKILL, as on the agent. */
  graceMs?: number;
  /** How long a killed command's bridge may take to report the end before it is given up. */
  settleMs?: number;
  now?: () => number;
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/**
 * `exec` over a bridge with the agent's semantics: argv never meets a shell unless `shell`
 * was asked for, output is capped head-and-tail, and a timeout or cancellation kills the
 * remote process group (TERM, then KILL) from a second bridge and checks it is gone.
 */
export async function execOverBridge(
  pool: BridgePool,
  spec: ExecSpec,
  control: ExecControl = {},
  options: RemoteExecOptions = {},
): Promise<ExecResult> {
  const now = options.now ?? (() => performance.now());
  const argv = spec.shell !== undefined ? ['/bin/sh', '-c', spec.shell] : spec.argv;
  if (!argv || argv.length === 0 || !argv[0]) {
    throw new FleetError('INVALID_ARGUMENT', 'exec needs a command or a non-empty argv');
  }
  const started = now();
  const stdout = new OutputCapture(spec.maxOutputBytes);
  const stderr = new OutputCapture(spec.maxOutputBytes);
  let timedOut = false;
  let cancelled = control.signal?.aborted === true;
  if (cancelled) return result(null, null);

  const lease = await pool.acquire(control.signal);
  // Cancelled while the channel was being opened: the pool could no longer drop the request.
  if (control.signal?.aborted) {
    lease.release();
    cancelled = true;
    return result(null, null);
  }
  let pid: number | undefined;
  let notStarted: string | undefined;
  let killing: Promise<boolean> | undefined;
  let wantKill = false;
  let giveUp: (() => void) | undefined;
  let settleTimer: NodeJS.Timeout | undefined;
  let finished = false;

  const kill = (pgid: number): Promise<boolean> =>
    pool.acquireControl().then(async (helper) => {
      let text = '';
      try {
        await helper.bridge.run(
          (n) => internalScript(n, killScript(pgid, Math.ceil((options.graceMs ?? 1500) / 100))),
          {
            onStdout: (chunk) => {
              text += chunk.toString('utf8');
            },
          },
        );
      } finally {
        helper.release();
      }
      return text.includes('gone');
    });
  const stopGroup = () => {
    wantKill = true;
    if (killing || pid === undefined) return;
    const pgid = pid;
    killing = kill(pgid).catch(() => false);
    // A bridge that still has not reported the end after the kill is stuck (a wedged
    // connection): close it so the call ends; the pool opens a fresh one next time.
    void killing.then(() => {
      if (finished) return;
      settleTimer = setTimeout(() => {
        if (!finished) giveUp?.();
      }, options.settleMs ?? 5000);
      settleTimer.unref();
    });
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stopGroup();
  }, spec.timeoutMs);
  const onAbort = () => {
    cancelled = true;
    stopGroup();
  };
  control.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const run = lease.bridge.run(
      (nonce) =>
        commandScript(nonce, {
          argv,
          ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
          ...(spec.env ? { env: spec.env } : {}),
          ...(spec.stdin !== undefined ? { stdin: spec.stdin } : {}),
          ...(options.sudo ? { sudo: true } : {}),
        }),
      {
        onStdout: (chunk) => {
          stdout.push(chunk);
          control.onOutput?.('stdout', chunk.toString('utf8'));
        },
        onStderr: (chunk) => {
          stderr.push(chunk);
          control.onOutput?.('stderr', chunk.toString('utf8'));
        },
        onMarker: (kind, payload) => {
          if (kind === 'p') {
            pid = Number.parseInt(payload, 10);
            if (wantKill) stopGroup();
          } else if (kind === 'x') notStarted = payload;
        },
      },
    );
    const outcome = await Promise.race([
      run,
      new Promise<never>((_, reject) => {
        giveUp = () => {
          lease.bridge.close('a killed command never reported its end');
          reject(new FleetError('UNAVAILABLE', 'the device stopped answering after the command was killed'));
        };
      }),
    ]);
    if (notStarted === 'notfound') {
      throw new FleetError('EXEC_FAILED', `command not found: ${options.sudo ? 'sudo' : argv[0]}`, {
        errno: 'ENOENT',
      });
    }
    if (notStarted === 'cwd') {
      throw new FleetError('EXEC_FAILED', `cannot start ${argv[0]}: no such directory: ${spec.cwd}`, {
        errno: 'ENOENT',
      });
    }
    let verified = true;
    if (killing) verified = await killing;
    if (!verified) stderr.push(Buffer.from(`\n[mcp-fleet] process group ${pid} survived SIGKILL\n`));
    // sh reports a death by signal n as status 128+n, which an explicit `exit 128+n` also
    // gives; the signal reading is the common case (a kill, the OOM killer) and matches what
    // the agent reports for it.
    const status = outcome.status;
    const signal = status !== null && status > 128 ? SIGNAL_NAMES.get(status - 128) : undefined;
    if (signal) return result(null, signal);
    return result(status, null);
  } finally {
    finished = true;
    clearTimeout(settleTimer);
    clearTimeout(timer);
    control.signal?.removeEventListener('abort', onAbort);
    lease.release();
  }

  function result(exitCode: number | null, signal: string | null): ExecResult {
    return {
      exit_code: exitCode,
      signal,
      stdout: stdout.text(),
      stderr: stderr.text(),
      truncated: stdout.truncated || stderr.truncated,
      timed_out: timedOut,
      cancelled,
      duration_ms: Math.round(now() - started),
    };
  }
}
