import { z } from 'zod';
import { type HttpJson, joinUrl } from './httpJson.js';

/**
 * The official MCP Registry's read API, as its spec says (modelcontextprotocol/registry,
 * docs/reference/api/openapi.yaml, spec version 2025-12-01, and the changelog next to it):
 *
 * - `GET /v0.1/servers?search=&limit=&version=latest&cursor=` → `ServerList`
 *   `{servers: [ServerResponse], metadata: {nextCursor, count}}`; `search` is a substring match on
 *   the name (and, since the latest changes, the description); `limit` is 1–100 (default 30);
 *   `version=latest` returns only each server's latest version; deleted servers are left out.
 * - `GET /v0.1/servers/{name, URL-encoded}/versions/latest` → one `ServerResponse`, 404 if none.
 * - `ServerResponse` = `{server: ServerDetail, _meta: {"io.modelcontextprotocol.registry/official":
 *   {status, publishedAt, updatedAt, isLatest}}}`; `ServerDetail` has `name` (reverse DNS, one
 *   `/`), `description` (≤ 100 chars), `version`, `repository {url, source}`, `packages`
 *   (`registryType` npm|pypi|oci|nuget|mcpb, `identifier`, `version`, `transport`,
 *   `environmentVariables`, `packageArguments`, …) and `remotes` (`type` streamable-http|sse, `url`,
 *   `headers`).
 *
 * `/v0.1` is the stable path ("only additive, backward-compatible changes"); `/v0` is the
 * development one. Because fields are added over time, the schemas here check only what is used
 * and ignore the rest (not `.strict()`); one malformed server in a list is dropped, not fatal.
 */

export const DEFAULT_REGISTRY_URL = 'https://registry.modelcontextprotocol.io';
const API = 'v0.1';
/** The registry refuses a larger page. */
export const REGISTRY_MAX_LIMIT = 100;

const Input = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  value: z.string().optional(),
  default: z.string().optional(),
});

const Argument = Input.extend({
  type: z.string(),
  valueHint: z.string().optional(),
});

export const RegistryPackageSchema = z.object({
  registryType: z.string(),
  registryBaseUrl: z.string().optional(),
  identifier: z.string(),
  version: z.string().optional(),
  runtimeHint: z.string().optional(),
  transport: z.object({ type: z.string() }).optional(),
  packageArguments: z.array(Argument).optional(),
  runtimeArguments: z.array(Argument).optional(),
  environmentVariables: z.array(Input.extend({ name: z.string() })).optional(),
});

export const RegistryRemoteSchema = z.object({
  type: z.string(),
  url: z.string(),
  headers: z.array(Input.extend({ name: z.string() })).optional(),
});

export const RegistryEntrySchema = z.object({
  server: z.object({
    name: z.string().min(1),
    title: z.string().optional(),
    description: z.string().optional(),
    version: z.string().optional(),
    repository: z.object({ url: z.string().optional(), source: z.string().optional() }).optional(),
    websiteUrl: z.string().optional(),
    packages: z.array(RegistryPackageSchema).optional(),
    remotes: z.array(RegistryRemoteSchema).optional(),
  }),
  _meta: z
    .object({
      'io.modelcontextprotocol.registry/official': z
        .object({
          status: z.string().optional(),
          publishedAt: z.string().optional(),
          updatedAt: z.string().optional(),
          isLatest: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
});

const ServerListSchema = z.object({
  servers: z.array(z.unknown()),
  metadata: z.object({ nextCursor: z.string().nullish(), count: z.number().optional() }).optional(),
});

export type RegistryEntry = z.output<typeof RegistryEntrySchema>;
export type RegistryPackage = z.output<typeof RegistryPackageSchema>;
export type RegistryRemote = z.output<typeof RegistryRemoteSchema>;

export const officialMeta = (entry: RegistryEntry) =>
  entry._meta?.['io.modelcontextprotocol.registry/official'];

export interface RegistrySearch {
  entries: RegistryEntry[];
  /** Servers in the answer that did not have the expected shape. */
  malformed: number;
}

export interface RegistryClient {
  search(query: string, limit: number): Promise<RegistrySearch>;
  /** The latest version of the server of this exact name; `null` when the registry has none. */
  latest(name: string): Promise<RegistryEntry | null>;
}

export function createRegistryClient(http: HttpJson, baseUrl: string = DEFAULT_REGISTRY_URL): RegistryClient {
  const what = 'the MCP Registry';
  return {
    async search(query, limit) {
      const url = joinUrl(baseUrl, `${API}/servers`);
      url.searchParams.set('search', query);
      url.searchParams.set('limit', String(Math.min(REGISTRY_MAX_LIMIT, Math.max(1, limit))));
      url.searchParams.set('version', 'latest');
      const list = await http.get(url, ServerListSchema, what);
      const entries: RegistryEntry[] = [];
      const seen = new Set<string>();
      let malformed = 0;
      for (const raw of list?.servers ?? []) {
        const parsed = RegistryEntrySchema.safeParse(raw);
        if (!parsed.success) {
          malformed++;
          continue;
        }
        const entry = parsed.data;
        const meta = officialMeta(entry);
        // A registry that ignores version=latest lists every version: keep the first of each.
        if (seen.has(entry.server.name) || meta?.status === 'deleted' || meta?.isLatest === false) continue;
        seen.add(entry.server.name);
        entries.push(entry);
      }
      return { entries, malformed };
    },
    async latest(name) {
      const url = joinUrl(baseUrl, `${API}/servers/${encodeURIComponent(name)}/versions/latest`);
      const entry = await http.get(url, RegistryEntrySchema, what);
      if (entry && officialMeta(entry)?.status === 'deleted') return null;
      return entry;
    },
  };
}
