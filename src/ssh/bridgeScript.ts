import { FleetError } from '../errors/index.js';
import { ENV_NAME, shellGlob, shellQuote } from './shellQuote.js';

/**
 * The remote half of the bridge: shell text the hub writes to a `/bin/sh` started on an SSH
 * channel. The shell reads it from stdin and runs each request as it arrives, so one channel
 * serves request after request without a new channel (about 100 ms on OpenSSH) per call.
 *
 * Every request ends with markers `\x1e<nonce>:<kind>:<payload>` (see MarkerScanner):
 *   stdout  `p:<pid>`     the command's process group (its pid: it runs under setsid)
 *           `x:<reason>`  it could not start (`cwd`, `notfound`)
 *           `e:<status>`  it ended, with the shell's exit status
 *   stderr  `e:`          no more stderr for this request
 * The command's own stdout and stderr go to the channel's two streams, so they stay apart.
 * Hazard: POSIX sh only (dash, bash, ash); `setsid`, `kill` and /proc are what a Linux device has.
 */

/** Helpers defined once per bridge: `_a PGID` (is any live, non-zombie process in the group?) and `_k PGID GRACE_TENTHS` (TERM, wait, KILL, wait, print gone|alive). */
const HELPERS = [
  // Reads /proc/<pid>/stat with the `read` builtin: no process per file. Fields after the last
  // ") " are: state ppid pgrp …; zombies (a container's PID 1 may never reap them) run nothing.
  `_a() { _g=$1; for _s in /proc/[0-9]*/stat; do { read -r _l < "$_s"; } 2>/dev/null || continue; _l=\${_l##*) }; set -- $_l; [ "$3" = "$_g" ] && [ "$1" != Z ] && [ "$1" != X ] && return 0; done; return 1; }`,
  `_k() { kill -TERM -"$1" 2>/dev/null; _i=0; while [ $_i -lt "$2" ] && _a "$1"; do sleep 0.1; _i=$((_i+1)); done; kill -KILL -"$1" 2>/dev/null; _i=0; while [ $_i -lt 50 ] && _a "$1"; do sleep 0.1; _i=$((_i+1)); done; if _a "$1"; then echo alive; else echo gone; fi; }`,
];

/** First text sent on a new bridge: helpers, then a ready marker carrying the shell's pid. */
export function bridgeInit(nonce: string): string {
  const ready = `printf '\\036%s:ready:%s\\n' ${nonce} "$$"`;
  return `${HELPERS.join('\n')}\n${ready}; ${ready} >&2\n`;
}

export interface CommandRequest {
  argv: readonly string[];
  cwd?: string;
  env?: Readonly<Record<string, string>>;
  stdin?: string;
  /** Prefix the command with `sudo -n --` (decided by the caller's become rules). */
  sudo?: boolean;
}

/**
 * A watchdog for one command: a dropped connection does not signal anything on the device
 * (sshd just closes the channel's pipes), so the command would run on. The watchdog writes a
 * heartbeat marker to stderr every 2 s; once the channel is gone the write fails (EPIPE, with
 * SIGPIPE ignored) and it kills the command's group.
 */
function watchdog(nonce: string): string {
  return `( trap '' PIPE; sleep 1; while printf '\\036%s:h:\\n' ${nonce} >&2; do sleep 2; done; kill -TERM -"$_p" 2>/dev/null; sleep 2; kill -KILL -"$_p" 2>/dev/null ) </dev/null >/dev/null & _w=$!`;
}

/** Shell text that runs `body` (already quoted shell) in the background and reports its markers. */
function framed(nonce: string, body: string, stdin: string | undefined, guard: boolean): string {
  const input =
    stdin === undefined ? `( ${body} ) </dev/null` : `printf '%s' ${shellQuote(stdin)} | ( ${body} )`;
  return [
    `${input} & _p=$!`,
    `printf '\\036%s:p:%s\\n' ${nonce} "$_p"`,
    ...(guard ? [watchdog(nonce)] : []),
    `wait "$_p"; _r=$?`,
    // Waited for, so no heartbeat can land after this request's end markers.
    ...(guard ? ['kill "$_w" 2>/dev/null; wait "$_w" 2>/dev/null'] : []),
    // Whatever the command left behind in its group would write into the next request's output.
    `kill -KILL -"$_p" 2>/dev/null`,
    `printf '\\036%s:e:%s\\n' ${nonce} "$_r"`,
    `printf '\\036%s:e:\\n' ${nonce} >&2\n`,
  ].join('; ');
}

/**
 * One command, without a shell between the caller's argv and execve: every element is one
 * single-quoted word. It runs under `setsid`, so its pid is its process group's id and the
 * whole tree can be killed.
 */
export function commandScript(nonce: string, request: CommandRequest): string {
  const steps: string[] = [];
  if (request.cwd !== undefined) {
    steps.push(
      `cd -- ${shellQuote(request.cwd)} 2>/dev/null || { printf '\\036%s:x:cwd\\n' ${nonce}; exit 126; }`,
    );
  }
  for (const [name, value] of Object.entries(request.env ?? {})) {
    if (!ENV_NAME.test(name)) {
      // Over SSH a variable is set by the shell, which accepts only these names.
      throw new FleetError('INVALID_ARGUMENT', `environment variable name not usable over SSH: ${name}`);
    }
    steps.push(`export ${name}=${shellQuote(value)}`);
  }
  const argv = request.argv.map(shellQuote);
  const program = shellQuote(request.sudo ? 'sudo' : (request.argv[0] ?? ''));
  steps.push(
    `command -v -- ${program} >/dev/null 2>&1 || { printf '\\036%s:x:notfound\\n' ${nonce}; exit 127; }`,
  );
  steps.push(`exec setsid ${request.sudo ? 'sudo -n -- ' : ''}${argv.join(' ')}`);
  return framed(nonce, steps.join('; '), request.stdin, true);
}

/** Shell text of our own (helpers, probes) run the same framed way; never built from caller input. */
export function internalScript(nonce: string, script: string): string {
  return framed(nonce, script, undefined, false);
}

/** Kills process group `pgid` (TERM, `graceTenths` × 0.1 s, KILL) and prints `gone` or `alive`. */
export function killScript(pgid: number, graceTenths: number): string {
  return `_k ${Math.trunc(pgid)} ${Math.max(0, Math.trunc(graceTenths))}`;
}

/**
 * Reads many files in one process: GNU grep prints `path\0line\n` for every line, which no
 * file content can forge (a newline in the content starts a new line that grep prefixes with
 * the real path). Where grep lacks -Z (BusyBox), one `head` per file, each behind a marker.
 */
export function readFilesScript(
  nonce: string,
  patterns: readonly string[],
  options: { grepZ: boolean; maxBytesPerFile: number; maxTotalBytes: number },
): string {
  const globs = patterns.map(shellGlob).join(' ');
  if (options.grepZ) return `grep -aHsZ '' -- ${globs} | head -c ${Math.trunc(options.maxTotalBytes)}`;
  return `for _f in ${globs}; do [ -f "$_f" ] && [ -r "$_f" ] || continue; printf '\\036%s:f:%s\\n' ${nonce} "$_f"; head -c ${Math.trunc(options.maxBytesPerFile)} -- "$_f"; done`;
}

/** One probe of what the device has, printed as `key=value` lines. */
export const FACTS_SCRIPT = [
  'echo "machine=$(uname -m)"',
  'if [ -d /run/systemd/system ]; then echo systemd_booted=1; fi',
  'for _c in systemctl journalctl tmux setsid sudo ip; do command -v "$_c" >/dev/null 2>&1 && echo "has_$_c=1"; done',
  `if printf 'x\\n' | grep -aHsZ x >/dev/null 2>&1; then echo grep_z=1; fi`,
  'echo "uid=$(id -u)"',
].join('; ');
