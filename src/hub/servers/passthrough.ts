import type {
  Prompt,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  Tool,
} from '@modelcontextprotocol/client';
import { UriTemplate } from '@modelcontextprotocol/client';
import type { Logger } from '../../log/index.js';
import type { ServerConfig } from '../inventory/schema.js';
import type { DownstreamServer } from './downstreamServer.js';

/** What MCP allows as a tool name; passthrough prompt names are held to the same rule. */
const WIRE_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** Between server and tool: server names contain no `_`, so the first `__` is always this one. */
export const SEPARATOR = '__';

export interface PassthroughTool {
  /** Renamed `<server>__<tool>`, description prefixed `[<server>] `; schemas and annotations kept. */
  wire: Tool;
  server: string;
  /** The downstream's own name for it. */
  tool: string;
}

export interface Passthrough {
  tools(): PassthroughTool[];
  findTool(name: string): PassthroughTool | undefined;
  /** Every server's resources under their original URIs; on a duplicate URI the first server in config order wins. */
  resources(): Resource[];
  resourceTemplates(): ResourceTemplate[];
  /** Renamed `<server>__<prompt>`. */
  prompts(): Prompt[];
  /** Which server answers `resources/read` for this URI (see createPassthrough). */
  findResourceServer(uri: string): string | undefined;
  findPrompt(name: string): { server: string; prompt: string } | undefined;
}

export interface PassthroughEntry {
  server: DownstreamServer;
  config: ServerConfig;
}

interface View {
  tools: PassthroughTool[];
  toolsByName: Map<string, PassthroughTool>;
  resources: Resource[];
  resourceOwner: Map<string, string>;
  templates: ResourceTemplate[];
  templateOwners: { server: string; template: UriTemplate }[];
  prompts: Prompt[];
  promptsByName: Map<string, { server: string; prompt: string }>;
}

function allowed(config: ServerConfig, tool: string): boolean {
  if (config.tools.include && !config.tools.include.includes(tool)) return false;
  return !config.tools.exclude.includes(tool);
}

/**
 * The hub's view of its downstream servers, as its clients see it.
 *
 * Tools and prompts are namespaced `<server>__<name>`; a name that would be invalid or longer
 * than 128 characters is skipped with a warning, never shortened or rewritten (a rewritten name
 * could collide with another). Tools are filtered by the server's `tools.include`/`exclude`,
 * matched on the downstream's own name: an excluded tool is neither listed nor found.
 *
 * Resources keep their original URIs, so clients still understand the scheme (`file://`, …);
 * prefixing them would break every URI a tool result or a resource link hands out. A read is
 * routed to the server that listed the exact URI, else to the first server (in config order)
 * whose resource template matches it, else to none. When two servers list the same URI, the
 * first in config order wins and the later one's entry is dropped with a warning.
 *
 * The view is recomputed only when a server's listing arrays change (they are replaced on every
 * refresh), so warnings are logged once per change, not once per request.
 */
export function createPassthrough(
  servers: ReadonlyMap<string, PassthroughEntry>,
  logger?: Logger,
): Passthrough {
  let cachedKey: unknown[] = [];
  let cached: View | undefined;

  function keyOf(): unknown[] {
    const key: unknown[] = [];
    for (const { server } of servers.values()) {
      key.push(server.tools(), server.resources(), server.resourceTemplates(), server.prompts());
    }
    return key;
  }

  function build(): View {
    const view: View = {
      tools: [],
      toolsByName: new Map(),
      resources: [],
      resourceOwner: new Map(),
      templates: [],
      templateOwners: [],
      prompts: [],
      promptsByName: new Map(),
    };
    for (const [name, { server, config }] of servers) {
      if (!config.enabled) continue;
      const listed = new Set<string>();
      for (const tool of server.tools()) {
        listed.add(tool.name);
        if (!allowed(config, tool.name)) continue;
        const wireName = `${name}${SEPARATOR}${tool.name}`;
        if (!WIRE_NAME.test(wireName)) {
          logger?.warn(
            { server: name, tool: tool.name },
            'downstream tool skipped: <server>__<tool> is not a valid tool name',
          );
          continue;
        }
        if (view.toolsByName.has(wireName)) {
          logger?.warn(
            { server: name, tool: tool.name },
            'downstream tool skipped: the server lists it twice',
          );
          continue;
        }
        const description = tool.description ? `[${name}] ${tool.description}` : `[${name}]`;
        const entry: PassthroughTool = {
          wire: { ...tool, name: wireName, description },
          server: name,
          tool: tool.name,
        };
        view.tools.push(entry);
        view.toolsByName.set(wireName, entry);
      }
      for (const wanted of config.tools.include ?? []) {
        if (!listed.has(wanted) && server.status().state === 'ready') {
          logger?.warn({ server: name, tool: wanted }, 'tools.include names a tool the server does not list');
        }
      }
      for (const resource of server.resources()) {
        const owner = view.resourceOwner.get(resource.uri);
        if (owner !== undefined) {
          if (owner !== name) {
            logger?.warn(
              { server: name, uri: resource.uri, owner },
              'duplicate resource URI; the first server wins',
            );
          }
          continue;
        }
        view.resourceOwner.set(resource.uri, name);
        view.resources.push(resource);
      }
      for (const template of server.resourceTemplates()) {
        let matcher: UriTemplate;
        try {
          matcher = new UriTemplate(template.uriTemplate);
        } catch {
          logger?.warn(
            { server: name, template: template.uriTemplate },
            'resource template skipped: not a URI template',
          );
          continue;
        }
        view.templates.push(template);
        view.templateOwners.push({ server: name, template: matcher });
      }
      for (const prompt of server.prompts()) {
        const wireName = `${name}${SEPARATOR}${prompt.name}`;
        if (!WIRE_NAME.test(wireName) || view.promptsByName.has(wireName)) {
          logger?.warn(
            { server: name, prompt: prompt.name },
            'downstream prompt skipped: invalid or duplicate name',
          );
          continue;
        }
        view.prompts.push({ ...prompt, name: wireName });
        view.promptsByName.set(wireName, { server: name, prompt: prompt.name });
      }
    }
    return view;
  }

  function view(): View {
    const key = keyOf();
    if (!cached || key.length !== cachedKey.length || key.some((part, i) => part !== cachedKey[i])) {
      cached = build();
      cachedKey = key;
    }
    return cached;
  }

  return {
    tools: () => view().tools,
    findTool: (name) => view().toolsByName.get(name),
    resources: () => view().resources,
    resourceTemplates: () => view().templates,
    prompts: () => view().prompts,
    findResourceServer(uri) {
      const current = view();
      const owner = current.resourceOwner.get(uri);
      if (owner !== undefined) return owner;
      return current.templateOwners.find(({ template }) => safeMatch(template, uri))?.server;
    },
    findPrompt: (name) => view().promptsByName.get(name),
  };
}

/** UriTemplate.match throws on over-long input: an unmatched URI, not an error of the hub. */
function safeMatch(template: UriTemplate, uri: string): boolean {
  try {
    return template.match(uri) !== null;
  } catch {
    return false;
  }
}
