import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export type Era = 'legacy' | 'modern';

/** An SDK client on `url` with a bearer token, pinned to one protocol era so rows are comparable. */
export async function connectMcp(url: string, token: string, era: Era): Promise<Client> {
  const client = new Client(
    { name: 'bench', version: '1' },
    { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** One device's entry in a fleet tool's `structuredContent.results`. */
export interface FleetEntry {
  device: string;
  ok: boolean;
  duration_ms: number;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/**
 * The per-device entries of a fleet tool result; a tool error (`isError`) or a missing list is
 * thrown, so a bench never times a refusal as if it were an answer.
 */
export function fleetEntries(result: { isError?: unknown; structuredContent?: unknown; content?: unknown }) {
  const structured = result.structuredContent as { results?: FleetEntry[] } | undefined;
  if (result.isError || !Array.isArray(structured?.results)) {
    throw new Error(`fleet tool failed: ${JSON.stringify(result.content).slice(0, 300)}`);
  }
  return structured.results;
}

/** Counts entries by outcome: `ok` or the error code. */
export function outcomeCounts(entries: readonly FleetEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const key = e.ok ? 'ok' : (e.error?.code ?? 'error');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export const formatCounts = (counts: Map<string, number>) =>
  [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
