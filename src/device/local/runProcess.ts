import { type ChildProcess, spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { FleetError } from '../../errors/index.js';
import type { ExecControl, ExecResult, ExecSpec } from '../types.js';
import { OutputCapture } from './outputCapture.js';
import { type KillGroupDeps, killProcessGroup } from './processGroup.js';

export interface RunProcessDeps {
  spawn?: (command: string, args: string[], options: SpawnOptions) => ChildProcess;
  now?: () => number;
  /** Environment the child starts from; the caller's `env` is layered on top. */
  baseEnv?: NodeJS.ProcessEnv;
  killGroup?: (pgid: number) => Promise<boolean>;
  kill?: KillGroupDeps;
}

/** Variables never passed to a child: the agent's own credentials. */
const SECRET_ENV = /^(MCP_FLEET_|LISTEN_FDS$|LISTEN_PID$|LISTEN_FDNAMES$)/;

export function childEnv(
  base: NodeJS.ProcessEnv,
  extra: Record<string, string> | undefined,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (!SECRET_ENV.test(key) && value !== undefined) env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Runs one command in its own process group (a new session), with a timeout and
 * cancellation that kill the whole group, not just the direct child, and verify it is gone.
 * A command string runs with `/bin/sh -c` only when the caller set `shell`.
 */
export function runProcess(
  spec: ExecSpec,
  control: ExecControl = {},
  deps: RunProcessDeps = {},
): Promise<ExecResult> {
  const spawn = deps.spawn ?? nodeSpawn;
  const now = deps.now ?? (() => performance.now());
  const killGroup = deps.killGroup ?? ((pgid: number) => killProcessGroup(pgid, deps.kill));
  let command: string;
  let args: string[];
  if (spec.shell !== undefined) {
    command = '/bin/sh';
    args = ['-c', spec.shell];
  } else if (spec.argv && spec.argv.length > 0 && spec.argv[0]) {
    command = spec.argv[0];
    args = spec.argv.slice(1);
  } else {
    return Promise.reject(new FleetError('INVALID_ARGUMENT', 'exec needs a command or a non-empty argv'));
  }

  const started = now();
  const stdout = new OutputCapture(spec.maxOutputBytes);
  const stderr = new OutputCapture(spec.maxOutputBytes);

  return new Promise<ExecResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: spec.cwd,
        env: childEnv(deps.baseEnv ?? process.env, spec.env),
        detached: true, // setsid(): the child leads a new process group we can kill as a whole
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      reject(new FleetError('EXEC_FAILED', `cannot start ${command}: ${(error as Error).message}`));
      return;
    }

    let timedOut = false;
    let cancelled = false;
    let killing: Promise<boolean> | undefined;
    const pgid = child.pid;

    // Pipes held open by a process that left the group (setsid) would keep 'close' from ever
    // firing: once the group is dealt with, stop waiting for them.
    const releasePipes = () => {
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 200).unref();
    };
    const stopGroup = () => {
      if (killing || pgid === undefined) return;
      killing = killGroup(pgid)
        .catch(() => false)
        .then((gone) => {
          releasePipes();
          return gone;
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
    if (control.signal?.aborted) onAbort();
    else control.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      control.onOutput?.('stdout', chunk.toString('utf8'));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      control.onOutput?.('stderr', chunk.toString('utf8'));
    });
    child.stdin?.on('error', () => {
      // EPIPE when the command does not read its input: not an error of the call.
    });
    if (spec.stdin !== undefined) child.stdin?.end(spec.stdin);
    else child.stdin?.end();

    let settled = false;
    child.on('error', (error) => {
      // Only a failure to start is fatal; later errors (a pipe) still end in 'close'.
      if (pgid !== undefined || settled) return;
      settled = true;
      clearTimeout(timer);
      control.signal?.removeEventListener('abort', onAbort);
      const errno = (error as NodeJS.ErrnoException).code;
      const message =
        errno === 'ENOENT' ? `command not found: ${command}` : `cannot start ${command}: ${error.message}`;
      reject(new FleetError('EXEC_FAILED', message, { errno: errno ?? null }));
    });
    child.on('close', async (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      control.signal?.removeEventListener('abort', onAbort);
      let verified = true;
      if (killing) verified = await killing;
      else if (pgid !== undefined && (timedOut || cancelled))
        verified = await killGroup(pgid).catch(() => false);
      if (!verified) {
        stderr.push(Buffer.from(`\n[mcp-fleet] process group ${pgid} survived SIGKILL\n`));
      }
      resolve({
        exit_code: code,
        signal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        timed_out: timedOut,
        cancelled,
        duration_ms: Math.round(now() - started),
      });
    });
  });
}
