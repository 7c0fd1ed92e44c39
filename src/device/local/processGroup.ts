import { readdir, readFile } from 'node:fs/promises';
import { parsePidStat } from '../parsers/index.js';

/**
 * Whether any live (not zombie) process is still in process group `pgid`, read from /proc.
 * `kill(-pgid, 0)` is not enough: zombies left to a PID 1 that does not reap (containers)
 * still count for kill(2), yet they run nothing.
 */
export async function isGroupAlive(pgid: number, procRoot = '/proc'): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(procRoot);
  } catch {
    return false;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = await readFile(`${procRoot}/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const stat = parsePidStat(text);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') return true;
  }
  return false;
}

export interface KillGroupDeps {
  kill?: (pid: number, signal: NodeJS.Signals | 0) => void;
  isGroupAlive?: (pgid: number) => Promise<boolean>;
  sleep?: (ms: number) => Promise<void>;
  graceMs?: number;
  verifyMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** False when we may not signal the group (EPERM: e.g. a sudo child of an unprivileged agent). */
function signalGroup(
  kill: NonNullable<KillGroupDeps['kill']>,
  pgid: number,
  signal: NodeJS.Signals,
): boolean {
  try {
    kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return true; // already gone
    if (code === 'EPERM') return false;
    throw error;
  }
}

/**
 * SIGTERM to the whole group, SIGKILL after a grace period, then wait until no member is
 * alive. Resolves with whether the group is verified gone (false only if something survives
 * SIGKILL for `verifyMs`, e.g. a process stuck in uninterruptible sleep).
 */
export async function killProcessGroup(pgid: number, deps: KillGroupDeps = {}): Promise<boolean> {
  const kill = deps.kill ?? ((pid, signal) => process.kill(pid, signal));
  const alive = deps.isGroupAlive ?? ((id) => isGroupAlive(id));
  const sleep = deps.sleep ?? defaultSleep;
  const graceMs = deps.graceMs ?? 1500;
  const verifyMs = deps.verifyMs ?? 5000;
  const step = 25;

  if (!signalGroup(kill, pgid, 'SIGTERM')) return false;
  for (let waited = 0; waited < graceMs; waited += step) {
    if (!(await alive(pgid))) return true;
    await sleep(step);
  }
  if (!signalGroup(kill, pgid, 'SIGKILL')) return false;
  for (let waited = 0; waited < verifyMs; waited += step) {
    if (!(await alive(pgid))) return true;
    await sleep(step);
  }
  return !(await alive(pgid));
}
