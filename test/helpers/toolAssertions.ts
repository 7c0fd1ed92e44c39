import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { AuditEntry } from '../../src/audit/index.js';
import type { AgentHandle } from './agentProcess.js';

/** A temp directory by its canonical path (/tmp may itself be a symlink). */
export function realTempDir(prefix = 'mcpf-t-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

export function removeDir(path: string | undefined): void {
  if (path !== undefined) rmSync(path, { recursive: true, force: true });
}

/** The text of a tool result's first content block (where pipeline errors put `CODE: message`). */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

/** The structured result, failing loudly when the call was an error or carried none. */
export function structuredOf(result: CallToolResult): Record<string, unknown> {
  if (result.isError) throw new Error(`tool call failed: ${textOf(result)}`);
  const content: unknown = result.structuredContent;
  if (typeof content !== 'object' || content === null)
    throw new Error('tool result has no structuredContent');
  return content as Record<string, unknown>;
}

/** One device's entry in a hub fan-out result (`structuredContent.results`). */
export interface FleetEntry<R = Record<string, unknown>> {
  device: string;
  ok: boolean;
  duration_ms: number;
  result?: R;
  error?: { code: string; message: string };
}

/** The per-device entries of a fleet tool's result. */
export function fleetEntries<R = Record<string, unknown>>(result: CallToolResult): FleetEntry<R>[] {
  return structuredOf(result).results as FleetEntry<R>[];
}

/** The per-device entries of a fleet tool's result, by device name. */
export function fleetByDevice<R = Record<string, unknown>>(
  result: CallToolResult,
): Map<string, FleetEntry<R>> {
  return new Map(fleetEntries<R>(result).map((e) => [e.device, e]));
}

/** The stable code a pipeline error result starts with (`POLICY_DENIED: …`), or null for success. */
export function errorCodeOf(result: CallToolResult): string | null {
  if (!result.isError) return null;
  return /^([A-Z_]+):/.exec(textOf(result))?.[1] ?? null;
}

/** The rule id a denial names in its text (`… (rule exec.allow.metachar)`). */
export function ruleOf(result: CallToolResult): string | null {
  return /\(rule ([^)]+)\)$/.exec(textOf(result))?.[1] ?? null;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

/** Like `waitUntil`, but fails with a message naming what was awaited when `timeoutMs` passes. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  if (!(await waitUntil(probe, timeoutMs, 100))) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

/** The state letter in /proc/<pid>/stat (R, S, Z, …), or null when there is no such process. */
export function procState(pid: number): string | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm is in parentheses and may itself contain spaces or ')': the state follows the last ')'.
  return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) || null;
}

/** Gone for good: no process, or a zombie waiting for a parent that may never reap it. */
export function isGone(pid: number): boolean {
  const state = procState(pid);
  return state === null || state === 'Z' || state === 'X';
}

/** Reads a pid a test script wrote to a file (trimmed integer). */
export function readPid(path: string): number {
  const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no pid in ${path}`);
  return pid;
}

/** One line of the audit file: the entry the agent recorded, plus its time. */
export type AuditLine = AuditEntry & { time: string };

/** Every line of the agent's JSONL audit (empty when nothing was written yet). */
export function readAudit(path: string): AuditLine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditLine);
}

/** Stops an agent and removes the temp directory the harness made for it (config, audit). */
export async function disposeAgent(agent: AgentHandle | undefined): Promise<void> {
  if (agent === undefined) return;
  await agent.stop();
  removeDir(agent.dir);
}
