import type { z } from 'zod';
import { FleetError } from '../../errors/index.js';

/** GET a JSON document from a public API, bounded in time and size, checked against a schema. */
export interface HttpJson {
  /** The checked body; `null` on 404 (the caller decides what absence means). */
  get<S extends z.ZodType>(url: URL, schema: S, what: string, accept?: string): Promise<z.output<S> | null>;
}

export interface HttpJsonDeps {
  fetch?: typeof globalThis.fetch;
  /** Per request, body included. */
  timeoutMs?: number;
  maxBytes?: number;
  headers?: Record<string, string>;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** `base` joined with a relative path, keeping any path prefix of `base` (a mirror at /registry/…). */
export function joinUrl(base: string, relative: string): URL {
  let url: URL;
  try {
    url = new URL(relative, base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new FleetError('USAGE', `not a URL: ${base}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FleetError('USAGE', `not an http(s) URL: ${base}`);
  }
  return url;
}

async function readCapped(response: Response, maxBytes: number, what: string): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new FleetError('UPSTREAM_ERROR', `${what} sent more than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Why a fetch failed, in words an operator can act on (DNS, refused, TLS) rather than "fetch failed". */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

export function createHttpJson(deps: HttpJsonDeps = {}): HttpJson {
  const doFetch = deps.fetch ?? globalThis.fetch;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const maxBytes = deps.maxBytes ?? DEFAULT_MAX_BYTES;
  return {
    async get(url, schema, what, accept = 'application/json') {
      let text: string;
      let status: number;
      try {
        // The signal also bounds reading the body: a server that trickles bytes is cut off too.
        const response = await doFetch(url, {
          headers: { ...deps.headers, accept },
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'follow',
        });
        status = response.status;
        if (status === 404) {
          await response.body?.cancel().catch(() => {});
          return null;
        }
        text = await readCapped(response, maxBytes, what);
      } catch (error) {
        if (error instanceof FleetError) throw error;
        const name = (error as Error).name;
        if (name === 'TimeoutError' || name === 'AbortError') {
          throw new FleetError(
            'TIMEOUT',
            `${what}: no answer from ${url.host} within ${timeoutMs / 1000} s`,
            {
              url: url.href,
            },
          );
        }
        throw new FleetError('UNAVAILABLE', `${what}: cannot reach ${url.host} (${causeOf(error)})`, {
          url: url.href,
        });
      }
      if (status < 200 || status >= 300) {
        throw new FleetError('UPSTREAM_ERROR', `${what} answered HTTP ${status} for ${url.pathname}`, {
          url: url.href,
          status,
        });
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new FleetError('UPSTREAM_ERROR', `${what} sent something that is not JSON`, { url: url.href });
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.map(String).join('.') || 'the body';
        throw new FleetError(
          'UPSTREAM_ERROR',
          `${what} sent an unexpected answer (${where}: ${issue?.message})`,
          {
            url: url.href,
          },
        );
      }
      return parsed.data;
    },
  };
}
