import { FleetError } from '../../errors/index.js';
import type { Logger } from '../../log/index.js';
import type { ToolCallResult } from '../../tools/index.js';
import type { DevicesResult, FleetResult } from '../fleetTools.js';
import { FLEET_TOOL_FOR } from '../fleetTools.js';
import { type Credential, DeviceName } from '../inventory/index.js';
import { createAgentEndpoint } from './agentEndpoint.js';
import type { Endpoint } from './types.js';

export interface RemoteDevice {
  name: string;
  tags: string[];
  state: string;
  last_error: string | null;
}

export interface ChainedHubOptions {
  site: string;
  url: string;
  credential: Credential;
  clientName: string;
  clientVersion: string;
  /** How often the remote device list is refreshed. */
  refreshMs: number;
  timeoutMs: number;
  logger: Logger;
  /** Renders an agent tool's structured result as the agent would (the hub has the same tools). */
  render: (tool: string, result: Record<string, unknown>) => string;
  /** The remote device list changed. */
  onChange: () => void;
}

export interface ChainedHub {
  readonly site: string;
  /** The remote hub's own devices (its chained ones are not re-exported: one level, so no loops). */
  devices(): readonly RemoteDevice[];
  endpointFor(remote: string): Endpoint;
  refresh(): Promise<void>;
  close(): Promise<void>;
}

const AGENT_TO_FLEET = new Map<string, string>(
  Object.entries(FLEET_TOOL_FOR).map(([fleet, agent]) => [agent, fleet]),
);

/**
 * Another mcp-fleet hub downstream of this one. Its devices join this fleet as `site/device`;
 * a call to one of them is the remote hub's fleet tool with `targets` naming that device, and
 * the one entry that comes back is unwrapped into the agent-shaped result every connector returns.
 */
export function createChainedHub(options: ChainedHubOptions): ChainedHub {
  const link = createAgentEndpoint({
    device: options.site,
    url: options.url,
    credential: options.credential,
    clientName: options.clientName,
    clientVersion: options.clientVersion,
  });
  let remote: RemoteDevice[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  async function refresh(): Promise<void> {
    try {
      const result = await link.callTool(
        'fleet_devices',
        {},
        {
          signal: AbortSignal.timeout(options.timeoutMs),
          timeoutMs: options.timeoutMs,
        },
      );
      const listing = result.structuredContent as DevicesResult | undefined;
      if (result.isError || !listing || !Array.isArray(listing.devices)) {
        throw new FleetError('UPSTREAM_ERROR', `${options.site}: fleet_devices failed: ${textOf(result)}`);
      }
      const next = listing.devices
        // Only names that are plain device names here: not `all` (a keyword as a target), not
        // the remote's own chained `site/device` ones (one level, so two hubs cannot loop).
        .filter((d) => DeviceName.safeParse(d.name).success)
        .map((d) => ({ name: d.name, tags: d.tags ?? [], state: d.state, last_error: d.last_error ?? null }));
      const changed =
        JSON.stringify(next.map((d) => [d.name, d.tags])) !==
        JSON.stringify(remote.map((d) => [d.name, d.tags]));
      remote = next;
      if (changed) options.onChange();
    } catch (error) {
      // Devices stay listed while the site is away; calls to them report why.
      const message = error instanceof Error ? error.message : String(error);
      options.logger.warn({ site: options.site, err: message }, 'chained hub refresh failed');
    }
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      void refresh().finally(schedule);
    }, options.refreshMs);
    timer.unref();
  }
  void refresh().finally(schedule);

  function endpointFor(name: string): Endpoint {
    const device = `${options.site}/${name}`;
    return {
      device,
      async callTool(tool, args, call): Promise<ToolCallResult> {
        const fleetTool = AGENT_TO_FLEET.get(tool);
        if (!fleetTool) throw new FleetError('NOT_FOUND', `${device}: no fleet tool for ${tool}`);
        const result = await link.callTool(fleetTool, { ...args, targets: name }, call);
        const fleet = result.structuredContent as FleetResult | undefined;
        const entry = fleet?.results?.[0];
        if (result.isError || !entry)
          return { content: [{ type: 'text', text: textOf(result) }], isError: true };
        if (!entry.ok || !entry.result) {
          const code = entry.error?.code ?? 'UPSTREAM_ERROR';
          return {
            content: [{ type: 'text', text: `${code}: ${entry.error?.message ?? 'no result'}` }],
            isError: true,
          };
        }
        return {
          content: [{ type: 'text', text: options.render(tool, entry.result) }],
          structuredContent: entry.result,
        };
      },
      async ping(signal) {
        await link.ping(signal);
        const known = remote.find((d) => d.name === name);
        if (!known) throw new FleetError('NOT_FOUND', `${options.site} no longer lists ${name}`);
        if (known.state === 'down') {
          throw new FleetError('UNAVAILABLE', `down at ${options.site}: ${known.last_error ?? 'no answer'}`);
        }
      },
      async close() {},
    };
  }

  return {
    site: options.site,
    devices: () => remote,
    endpointFor,
    refresh,
    async close() {
      closed = true;
      clearTimeout(timer);
      await link.close();
    },
  };
}

function textOf(result: ToolCallResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n') || 'no text';
}
