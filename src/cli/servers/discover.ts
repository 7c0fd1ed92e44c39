import { FleetError } from '../../errors/index.js';
import {
  officialMeta,
  type RegistryClient,
  type RegistryEntry,
  type RegistryPackage,
} from './mcpRegistry.js';
import { isNpmName, type NpmClient, type NpmObject } from './npmRegistry.js';
import { qualityScore, type ScoreParts, scoreParts } from './score.js';

/** One MCP server found by `discover`, merged across the sources that list it. */
export interface Candidate {
  /** The registry name when the registry lists it, else the npm package name. */
  name: string;
  registryName: string | null;
  npmPackage: string | null;
  version: string | null;
  description: string | null;
  repository: string | null;
  /** A remote endpoint the registry lists (`remotes[0]`), for servers run by someone else. */
  remote: string | null;
  /** Other package kinds the registry lists (pypi:…, oci:…), which `--from-registry` does not run. */
  otherPackages: string[];
  sources: Array<'registry' | 'npm'>;
  status: string | null;
  weeklyDownloads: number | null;
  lastPublish: string | null;
  score: number;
  scoreParts: ScoreParts;
  /** The command that adds it, or a hint when it cannot be added automatically. */
  install: string;
}

export interface DiscoverResult {
  candidates: Candidate[];
  /** Sources that failed or answered partly; the results stand without them. */
  warnings: string[];
}

export interface DiscoverDeps {
  registry: RegistryClient;
  npm: NpmClient;
  now?: () => Date;
}

/** Download counts are looked up (a request each) only for this many registry packages. */
const MAX_DOWNLOAD_LOOKUPS = 20;
const LOOKUP_CONCURRENCY = 4;

/** The npm package of a registry entry, when it is on the public npm registry. */
export function npmPackageOf(entry: RegistryEntry): RegistryPackage | undefined {
  return entry.server.packages?.find(
    (p) =>
      p.registryType === 'npm' &&
      isNpmName(p.identifier) &&
      (p.registryBaseUrl === undefined ||
        p.registryBaseUrl.replace(/\/+$/, '') === 'https://registry.npmjs.org'),
  );
}

const MCP_WORDS = /\bmcp\b|model ?context ?protocol|modelcontextprotocol/i;

/** npm's text search is broad: keep packages that say they are MCP and mention every query word. */
function matches(object: NpmObject, terms: readonly string[]): boolean {
  const p = object.package;
  const haystack = [p.name, p.description ?? '', ...(p.keywords ?? [])].join(' ');
  const lower = haystack.toLowerCase();
  return MCP_WORDS.test(haystack) && terms.every((t) => lower.includes(t));
}

const blankToNull = (s: string | undefined) => (s?.trim() ? s.trim() : null);

function fromRegistry(entry: RegistryEntry): Candidate {
  const s = entry.server;
  const meta = officialMeta(entry);
  const npm = npmPackageOf(entry);
  const remote = s.remotes?.find((r) => r.type === 'streamable-http' || r.type === 'sse');
  return {
    name: s.name,
    registryName: s.name,
    npmPackage: npm?.identifier ?? null,
    version: npm?.version ?? s.version ?? null,
    description: blankToNull(s.description),
    repository: blankToNull(s.repository?.url),
    remote: remote?.url ?? null,
    otherPackages: (s.packages ?? [])
      .filter((p) => p !== npm)
      .map((p) => `${p.registryType}:${p.identifier}`),
    sources: ['registry'],
    status: meta?.status ?? null,
    weeklyDownloads: null,
    lastPublish: meta?.updatedAt ?? meta?.publishedAt ?? null,
    score: 0,
    scoreParts: { registry: 0, downloads: 0, recency: 0, repository: 0, description: 0 },
    install: '',
  };
}

function fromNpm(object: NpmObject): Candidate {
  const p = object.package;
  return {
    name: p.name,
    registryName: null,
    npmPackage: p.name,
    version: p.version,
    description: blankToNull(p.description),
    repository: blankToNull(p.links?.repository),
    remote: null,
    otherPackages: [],
    sources: ['npm'],
    status: null,
    weeklyDownloads: object.downloads?.weekly ?? null,
    lastPublish: p.date ?? null,
    score: 0,
    scoreParts: { registry: 0, downloads: 0, recency: 0, repository: 0, description: 0 },
    install: '',
  };
}

function installHint(c: Candidate): string {
  if (c.npmPackage || c.remote)
    return `mcp-fleet servers add --from-registry ${c.registryName ?? c.npmPackage}`;
  return c.otherPackages.length > 0 ? `by hand (${c.otherPackages.join(', ')})` : '-';
}

const errorText = (reason: unknown) => (reason instanceof Error ? reason.message : String(reason));

/** Runs `task` over `items`, `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Searches the MCP Registry and npm at once, merges what both list by npm package, scores each
 * (score.ts) and returns the best `limit`. One source failing leaves a warning; both failing is
 * an error.
 */
export async function discover(query: string, limit: number, deps: DiscoverDeps): Promise<DiscoverResult> {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) throw new FleetError('USAGE', 'discover needs something to search for');
  const now = deps.now?.() ?? new Date();
  const [registry, npm] = await Promise.allSettled([
    deps.registry.search(query, Math.max(30, limit * 3)),
    deps.npm.search(`${query} mcp`, Math.max(25, limit * 3)),
  ]);
  if (registry.status === 'rejected' && npm.status === 'rejected') {
    throw new FleetError(
      'UNAVAILABLE',
      `no source answered: ${errorText(registry.reason)}; ${errorText(npm.reason)}`,
    );
  }
  const warnings: string[] = [];
  const byKey = new Map<string, Candidate>();
  const keyOf = (c: Candidate) => (c.npmPackage ? `npm:${c.npmPackage}` : `registry:${c.registryName}`);
  if (registry.status === 'fulfilled') {
    for (const entry of registry.value.entries) {
      const c = fromRegistry(entry);
      if (!byKey.has(keyOf(c))) byKey.set(keyOf(c), c);
    }
    if (registry.value.malformed > 0) {
      warnings.push(
        `the MCP Registry sent ${registry.value.malformed} malformed server(s); they are left out`,
      );
    }
  } else {
    warnings.push(`${errorText(registry.reason)}; showing npm results only`);
  }
  if (npm.status === 'fulfilled') {
    for (const object of npm.value.objects) {
      if (!matches(object, terms)) continue;
      const c = fromNpm(object);
      const listed = byKey.get(keyOf(c));
      if (!listed) {
        byKey.set(keyOf(c), c);
        continue;
      }
      // npm knows the package better: its publish date and downloads; the registry knows the server.
      listed.sources.push('npm');
      listed.weeklyDownloads = c.weeklyDownloads;
      listed.lastPublish = c.lastPublish ?? listed.lastPublish;
      listed.description ??= c.description;
      listed.repository ??= c.repository;
    }
    if (npm.value.malformed > 0) {
      warnings.push(`the npm registry sent ${npm.value.malformed} malformed package(s); they are left out`);
    }
  } else {
    warnings.push(`${errorText(npm.reason)}; showing MCP Registry results only`);
  }

  const candidates = [...byKey.values()];
  const unknown = candidates
    .filter((c) => c.npmPackage && c.weeklyDownloads === null)
    .slice(0, MAX_DOWNLOAD_LOOKUPS);
  let lookupFailed = false;
  await eachLimited(unknown, LOOKUP_CONCURRENCY, async (c) => {
    try {
      c.weeklyDownloads = await deps.npm.weeklyDownloads(c.npmPackage as string);
    } catch {
      lookupFailed = true;
    }
  });
  if (lookupFailed)
    warnings.push('some npm download counts could not be fetched; those score no download points');

  for (const c of candidates) {
    const signals = {
      inRegistry: c.sources.includes('registry') && c.status !== 'deprecated',
      weeklyDownloads: c.weeklyDownloads,
      lastPublish: c.lastPublish ? new Date(c.lastPublish) : null,
      hasRepository: c.repository !== null,
      hasDescription: c.description !== null,
    };
    const parts = scoreParts(signals, now);
    for (const key of Object.keys(parts) as Array<keyof ScoreParts>)
      parts[key] = Math.round(parts[key] * 10) / 10;
    c.scoreParts = parts;
    c.score = qualityScore(signals, now);
    c.install = installHint(c);
  }
  candidates.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  return { candidates: candidates.slice(0, limit), warnings };
}
