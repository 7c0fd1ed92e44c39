import { z } from 'zod';
import { type HttpJson, joinUrl } from './httpJson.js';

/**
 * The npm registry's public read API:
 *
 * - `GET /-/v1/search?text=&size=` (size ≤ 250) → `{objects: [{package: {name, version,
 *   description, keywords, date, links: {npm, homepage, repository, bugs}, …}, score: {final,
 *   detail: {quality, popularity, maintenance}}, searchScore, downloads: {weekly, monthly},
 *   dependents, updated, flags}], total, time}`. npm retired its quality/popularity/maintenance
 *   scores: `detail` is 1 for every package and `final` is the text relevance (in the hundreds),
 *   so neither is used; `downloads.weekly` is (it is absent from older answers and mirrors).
 * - `GET /<name>` with `Accept: application/vnd.npm.install-v1+json` → the abbreviated
 *   packument `{name, "dist-tags": {latest}, versions: {…}}`, 404 when there is no such package.
 * - `GET https://api.npmjs.org/downloads/point/last-week/<name>` → `{downloads, start, end, package}`.
 *
 * As for the MCP Registry, only the fields used are checked and the rest ignored.
 */

export const DEFAULT_NPM_URL = 'https://registry.npmjs.org';
export const DEFAULT_NPM_DOWNLOADS_URL = 'https://api.npmjs.org';
export const NPM_MAX_SIZE = 250;

/** npm package names (old ones may have capitals); anything else never reaches a URL or argv. */
const NPM_NAME = /^(?:@[A-Za-z0-9][A-Za-z0-9._~-]*\/)?[A-Za-z0-9~][A-Za-z0-9._~-]*$/;
export const isNpmName = (name: string) => name.length <= 214 && NPM_NAME.test(name);

/** A published version: semver-like, never a range or a tag (so `@version` pins). */
export const isExactVersion = (version: string) => /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/.test(version);

const NpmObjectSchema = z.object({
  package: z.object({
    name: z.string(),
    version: z.string(),
    description: z.string().optional(),
    keywords: z.array(z.string()).optional(),
    date: z.string().optional(),
    links: z
      .object({
        npm: z.string().optional(),
        homepage: z.string().optional(),
        repository: z.string().optional(),
      })
      .optional(),
  }),
  downloads: z.object({ weekly: z.number().optional(), monthly: z.number().optional() }).optional(),
});

const SearchSchema = z.object({ objects: z.array(z.unknown()), total: z.number().optional() });

const PackumentSchema = z.object({
  name: z.string(),
  'dist-tags': z.object({ latest: z.string() }),
});

/** The abbreviated packument: dist-tags and versions without readmes (what `npm install` asks for). */
const ABBREVIATED = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8';

const DownloadsSchema = z.object({ downloads: z.number() });

export type NpmObject = z.output<typeof NpmObjectSchema>;

export interface NpmSearch {
  objects: NpmObject[];
  malformed: number;
}

export interface NpmClient {
  search(text: string, size: number): Promise<NpmSearch>;
  /** The version `latest` points at; `null` when there is no such package. */
  latestVersion(name: string): Promise<string | null>;
  /** Downloads in the last week; `null` when npm has no count for it. */
  weeklyDownloads(name: string): Promise<number | null>;
}

export function createNpmClient(
  http: HttpJson,
  baseUrl: string = DEFAULT_NPM_URL,
  downloadsUrl: string = DEFAULT_NPM_DOWNLOADS_URL,
): NpmClient {
  const what = 'the npm registry';
  return {
    async search(text, size) {
      const url = joinUrl(baseUrl, '-/v1/search');
      url.searchParams.set('text', text);
      url.searchParams.set('size', String(Math.min(NPM_MAX_SIZE, Math.max(1, size))));
      const body = await http.get(url, SearchSchema, what);
      const objects: NpmObject[] = [];
      let malformed = 0;
      for (const raw of body?.objects ?? []) {
        const parsed = NpmObjectSchema.safeParse(raw);
        if (parsed.success) objects.push(parsed.data);
        else malformed++;
      }
      return { objects, malformed };
    },
    async latestVersion(name) {
      if (!isNpmName(name)) return null;
      // The registry wants a scoped name as one path segment: @scope%2fname.
      const url = joinUrl(baseUrl, name.replace('/', '%2f'));
      const packument = await http.get(url, PackumentSchema, what, ABBREVIATED);
      return packument?.['dist-tags'].latest ?? null;
    },
    async weeklyDownloads(name) {
      if (!isNpmName(name)) return null;
      const url = joinUrl(downloadsUrl, `downloads/point/last-week/${name}`);
      return (await http.get(url, DownloadsSchema, 'npm download counts'))?.downloads ?? null;
    },
  };
}
