import { FleetError } from '../../errors/index.js';
import { packageVersion } from '../../version.js';
import { createHttpJson, DEFAULT_HTTP_TIMEOUT_MS } from './httpJson.js';
import { createRegistryClient, DEFAULT_REGISTRY_URL, type RegistryClient } from './mcpRegistry.js';
import {
  createNpmClient,
  DEFAULT_NPM_DOWNLOADS_URL,
  DEFAULT_NPM_URL,
  type NpmClient,
} from './npmRegistry.js';

/** Where to look for servers; flags beat MCP_FLEET_REGISTRY_URL / MCP_FLEET_NPM_URL / MCP_FLEET_NPM_DOWNLOADS_URL. */
export interface SourceOptions {
  registryUrl?: string;
  npmUrl?: string;
  downloadsUrl?: string;
  /** Seconds per request. */
  timeout?: string;
}

export interface Sources {
  registry: RegistryClient;
  npm: NpmClient;
}

/** The MCP Registry and npm clients a command uses, each request bounded by the timeout. */
export function createSources(
  options: SourceOptions,
  env: NodeJS.ProcessEnv,
  fetch: typeof globalThis.fetch = globalThis.fetch,
): Sources {
  let timeoutMs = DEFAULT_HTTP_TIMEOUT_MS;
  if (options.timeout !== undefined) {
    const seconds = Number(options.timeout);
    if (!(Number.isFinite(seconds) && seconds > 0 && seconds <= 300)) {
      throw new FleetError('USAGE', `--timeout is seconds from 0 to 300, not "${options.timeout}"`);
    }
    timeoutMs = seconds * 1000;
  }
  const http = createHttpJson({
    fetch,
    timeoutMs,
    headers: { 'user-agent': `mcp-fleet/${packageVersion()}` },
  });
  return {
    registry: createRegistryClient(
      http,
      options.registryUrl ?? env.MCP_FLEET_REGISTRY_URL ?? DEFAULT_REGISTRY_URL,
    ),
    npm: createNpmClient(
      http,
      options.npmUrl ?? env.MCP_FLEET_NPM_URL ?? DEFAULT_NPM_URL,
      options.downloadsUrl ?? env.MCP_FLEET_NPM_DOWNLOADS_URL ?? DEFAULT_NPM_DOWNLOADS_URL,
    ),
  };
}
