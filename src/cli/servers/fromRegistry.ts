import { FleetError } from '../../errors/index.js';
import { npmPackageOf } from './discover.js';
import type { RegistryClient, RegistryEntry, RegistryPackage } from './mcpRegistry.js';
import { isExactVersion, isNpmName, type NpmClient } from './npmRegistry.js';
import type { ServerSpec } from './serverEntries.js';

/** An input the registry entry declares that fleet.yaml does not fill in by itself. */
export interface RegistryNeed {
  kind: 'env' | 'header' | 'argument';
  name: string;
  required: boolean;
  secret: boolean;
  description: string | null;
}

/** How to run a server found by name, as a fleet.yaml entry, and what it still needs. */
export interface RegistryPlan {
  source: 'registry' | 'npm';
  /** The registry name or npm package it was found as. */
  entry: string;
  /** A fleet server name made from it (`@scope/server-foo` → `foo`). */
  name: string;
  spec: ServerSpec;
  needs: RegistryNeed[];
  notes: string[];
}

export interface PlanDeps {
  registry: RegistryClient;
  npm: NpmClient;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * Variables that change how the runtime, the loader, the package manager or a shell behave
 * rather than configure the server: a registry entry setting them could run other code than
 * the package (`NODE_OPTIONS=--require …`, `LD_PRELOAD`, a `PATH` of its own, npm's config).
 * They are never copied from a registry; the operator sees them as needs and decides.
 */
const RUNTIME_ENV =
  /^(NODE_OPTIONS|NODE_PATH|NODE_TLS_REJECT_UNAUTHORIZED|NODE_EXTRA_CA_CERTS|NODE_REPL_EXTERNAL_MODULE|PATH|HOME|SHELL|ENV|BASH_ENV|PYTHONPATH|PYTHONSTARTUP|PERL5OPT|RUBYOPT|NPM_CONFIG_.*|LD_.*|DYLD_.*)$/i;

/** A value with `{placeholders}` is a template for the user to fill, not a value. */
const isFixed = (value: string | undefined): value is string => value !== undefined && !value.includes('{');

/** A fleet server name from a registry or npm name: the last segment, without mcp/server affixes. */
export function deriveServerName(ref: string): string {
  const base = (ref.split('/').at(-1) ?? ref)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^(mcp-server-|server-mcp-|mcp-|server-)/, '')
    .replace(/(-mcp-server|-server-mcp|-mcp|-server)$/, '')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 32)
    .replace(/-$/, '');
  return base || 'server';
}

async function pinnedVersion(pkg: RegistryPackage, npm: NpmClient): Promise<string> {
  if (pkg.version && isExactVersion(pkg.version)) return pkg.version;
  const latest = await npm.latestVersion(pkg.identifier);
  if (!latest || !isExactVersion(latest)) {
    throw new FleetError('USAGE', `cannot find a version of ${pkg.identifier} to pin on npm`);
  }
  return latest;
}

function npmPlanParts(pkg: RegistryPackage): {
  args: string[];
  env: Record<string, string>;
  needs: RegistryNeed[];
  notes: string[];
} {
  const args: string[] = [];
  const env: Record<string, string> = {};
  const needs: RegistryNeed[] = [];
  const notes: string[] = [];
  for (const arg of pkg.packageArguments ?? []) {
    if (isFixed(arg.value)) {
      args.push(arg.type === 'named' && arg.name ? `${arg.name}=${arg.value}` : arg.value);
    } else if (arg.isRequired) {
      needs.push({
        kind: 'argument',
        name: arg.name ?? arg.valueHint ?? 'argument',
        required: true,
        secret: arg.isSecret === true,
        description: arg.description ?? null,
      });
    }
  }
  for (const v of pkg.environmentVariables ?? []) {
    const runtime = RUNTIME_ENV.test(v.name);
    if (runtime && v.value !== undefined) {
      notes.push(
        `the registry sets ${v.name}, which changes how the runtime or package manager runs; it was not copied (set it yourself if you trust it)`,
      );
    }
    // A fixed, non-secret value is part of how the server runs; anything else is the operator's.
    if (isFixed(v.value) && !v.isSecret && ENV_NAME.test(v.name) && !runtime) {
      env[v.name] = v.value;
      continue;
    }
    needs.push({
      kind: 'env',
      name: v.name,
      required: v.isRequired === true,
      secret: v.isSecret === true,
      description: v.description ?? null,
    });
  }
  return { args, env, needs, notes };
}

/** The fleet.yaml entry for a registry entry: its npm package, pinned, else its remote endpoint. */
export async function planForEntry(entry: RegistryEntry, npm: NpmClient): Promise<RegistryPlan> {
  const s = entry.server;
  const name = deriveServerName(s.name);
  const description = s.description?.trim() ? { description: s.description.trim().slice(0, 500) } : {};
  const notes: string[] = [];
  const pkg = npmPackageOf(entry);
  if (pkg) {
    if (pkg.transport && pkg.transport.type !== 'stdio') {
      throw new FleetError(
        'USAGE',
        `${s.name} runs as a local ${pkg.transport.type} server; start it yourself and add its URL with --url`,
      );
    }
    const version = await pinnedVersion(pkg, npm);
    const parts = npmPlanParts(pkg);
    notes.push(...parts.notes);
    if (pkg.runtimeArguments?.length)
      notes.push('the registry lists arguments for npx itself; they are left out');
    const spec: ServerSpec = {
      command: 'npx',
      args: ['-y', `${pkg.identifier}@${version}`, ...parts.args],
      ...(Object.keys(parts.env).length > 0 ? { env: parts.env } : {}),
      ...description,
    };
    return { source: 'registry', entry: s.name, name, spec, needs: parts.needs, notes };
  }
  const remote = s.remotes?.find((r) => r.type === 'streamable-http' || r.type === 'sse');
  if (remote) {
    if (!isFixed(remote.url) || !/^https?:\/\//i.test(remote.url)) {
      throw new FleetError(
        'USAGE',
        `${s.name}'s endpoint ${remote.url} needs values filled in; add it with --url`,
      );
    }
    const needs: RegistryNeed[] = (remote.headers ?? []).map((h) => ({
      kind: 'header',
      name: h.name,
      required: h.isRequired === true,
      secret: h.isSecret === true,
      description: h.description ?? null,
    }));
    if (needs.some((n) => n.name.toLowerCase() === 'authorization')) {
      notes.push(
        'the hub sends Authorization: Bearer <token> from token_env or token_file (--token-env VAR)',
      );
    }
    const spec: ServerSpec = {
      url: remote.url,
      transport: remote.type === 'sse' ? 'sse' : 'streamable-http',
      ...description,
    };
    return { source: 'registry', entry: s.name, name, spec, needs, notes };
  }
  const others = (s.packages ?? []).map((p) => `${p.registryType}:${p.identifier}`);
  throw new FleetError(
    'USAGE',
    `${s.name} offers ${others.length ? others.join(', ') : 'nothing to run'}; only npm packages and remote endpoints are added automatically (add it with -- <command> …)`,
  );
}

/**
 * Finds `ref` (a registry name like `io.github.user/weather`, or an npm package) in the MCP
 * Registry, else on npm, and plans its fleet.yaml entry. A registry that cannot be reached is
 * a warning when npm can still answer for an npm name.
 */
export async function planFromRegistry(
  ref: string,
  deps: PlanDeps,
): Promise<{ plan: RegistryPlan; warnings: string[] }> {
  const warnings: string[] = [];
  const npmName = isNpmName(ref);
  let entry: RegistryEntry | null = null;
  try {
    if (!npmName) {
      entry = await deps.registry.latest(ref);
    } else {
      // The registry searches server names, not package names: search by the package's own name.
      const { entries } = await deps.registry.search(ref.split('/').at(-1) ?? ref, 100);
      entry = entries.find((e) => e.server.name === ref || npmPackageOf(e)?.identifier === ref) ?? null;
    }
  } catch (error) {
    if (!npmName) throw error;
    warnings.push(`${(error as Error).message}; looking on npm instead`);
  }
  if (entry) return { plan: await planForEntry(entry, deps.npm), warnings };
  if (!npmName) throw new FleetError('USAGE', `the MCP Registry has no server named ${ref}`, { ref });
  const version = await deps.npm.latestVersion(ref);
  if (!version) {
    throw new FleetError('USAGE', `${ref} is neither in the MCP Registry nor a package on npm`, { ref });
  }
  if (!isExactVersion(version))
    throw new FleetError('USAGE', `npm's latest ${ref} is "${version}", not a version`);
  const plan: RegistryPlan = {
    source: 'npm',
    entry: ref,
    name: deriveServerName(ref),
    spec: { command: 'npx', args: ['-y', `${ref}@${version}`] },
    needs: [],
    notes: [
      `not in the MCP Registry: what it needs (environment, arguments) is unknown; see https://www.npmjs.com/package/${ref}`,
    ],
  };
  return { plan, warnings };
}
