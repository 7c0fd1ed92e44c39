import type { ClientId, Scope } from './catalog.js';
import { clientCatalog, locationOf } from './catalog.js';
import { configDoc } from './configDoc.js';
import type { ClientsContext } from './context.js';
import { editConfigFile } from './context.js';
import { checkTokenLiteralScope } from './entryFlags.js';
import { DEFAULT_HUB_URL, type HubEntrySpec, renderHubEntry, sameJson } from './hubEntry.js';
import { type LeftServer, type PlannedServer, planImport } from './importPlan.js';
import { type InstallResult, writeHubEntry } from './install.js';

/**
 * `servers import <client>`: moves the MCP servers a client runs itself behind the hub. Each
 * movable one (see importPlan.ts) becomes a `servers:` entry of fleet.yaml, is removed from
 * the client, and the hub entry is installed in its place — the removals and the hub entry in
 * one write of the client's file.
 */

/** Adds servers to fleet.yaml; returns the names now there with that content and the refused ones. */
export type AddFleetServers = (
  servers: readonly PlannedServer[],
) => Promise<{ added: string[]; present: string[]; refused: LeftServer[]; file: string }>;

export interface ImportRequest {
  client: ClientId;
  scope?: Scope;
  hubName: string;
  spec: HubEntrySpec;
  includeSecrets: boolean;
  addServers: AddFleetServers;
}

export interface ImportReport {
  file: string;
  fleetFile: string;
  moved: PlannedServer[];
  left: LeftServer[];
  install: InstallResult;
}

/**
 * Plans the move from the client's file, adds the movable servers to fleet.yaml, then in one
 * edit of the client's file removes those that fleet.yaml now has and puts the hub entry in:
 * the client is never left without both its servers and the hub. An entry that changed in the
 * client since it was planned is not removed (fleet.yaml has the version read first) and is
 * reported.
 */
export async function importServers(ctx: ClientsContext, request: ImportRequest): Promise<ImportReport> {
  const scope = request.scope ?? 'user';
  const location = locationOf(clientCatalog(ctx.host), request.client, scope);
  const doc = configDoc(location);
  checkTokenLiteralScope(request.spec, scope);
  renderHubEntry(location, request.spec, ctx.launcher); // USAGE (e.g. http for Claude Desktop) before anything is touched
  const hubUrls = [request.spec.url ?? DEFAULT_HUB_URL];
  // Read (and refuse an unparseable file) before fleet.yaml is touched.
  const first = await editConfigFile(ctx, location, async (state) => doc.entries(state.text) ?? {});
  const plan = planImport(request.client, first, {
    hubName: request.hubName,
    hubUrls,
    includeSecrets: request.includeSecrets,
  });
  const fleet = await request.addServers(plan.move);
  const inFleet = new Set([...fleet.added, ...fleet.present]);
  const planned = plan.move.filter((s) => inFleet.has(s.name));
  const done = await editConfigFile(ctx, location, async (state) => {
    const now = doc.entries(state.text) ?? {};
    const moved: PlannedServer[] = [];
    const changed: LeftServer[] = [];
    let text = state.text;
    for (const server of planned) {
      const current = now[server.from];
      if (current !== undefined && !sameJson(current, first[server.from])) {
        changed.push({
          from: server.from,
          reason: `it changed in ${location.file} during the import, so it was left there; ${fleet.file} has servers.${server.name} as it was before the change`,
        });
        continue;
      }
      if (current !== undefined) text = doc.remove(text, server.from, undefined, false).text;
      moved.push(server);
    }
    const install = await writeHubEntry(ctx, location, state, text, {
      name: request.hubName,
      spec: request.spec,
    });
    return { moved, changed, install };
  });
  return {
    file: location.file,
    fleetFile: fleet.file,
    moved: done.moved,
    left: [...plan.leave, ...fleet.refused, ...done.changed],
    install: done.install,
  };
}
