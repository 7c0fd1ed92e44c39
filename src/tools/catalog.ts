import { z } from 'zod';
import type { DeviceCapabilities } from '../device/index.js';
import { execTool } from './exec.js';
import { listDirTool, readFileTool, writeFileTool } from './files.js';
import { logsTool } from './logs.js';
import { processesTool } from './processes.js';
import { serviceTool } from './service.js';
import { createSystemStatusTool, type StatusDeps } from './systemStatus.js';
import { tmuxTool } from './tmux.js';
import type { AnyToolDef } from './toolDef.js';

/** A tool as listed on the wire; computed once, because schema conversion is not free. */
export interface ListedTool {
  name: string;
  title: string;
  description: string;
  inputSchema: { type: 'object'; [key: string]: unknown };
  outputSchema: { type: 'object'; [key: string]: unknown };
  annotations: AnyToolDef['annotations'] & { title: string };
}

export interface ToolCatalog {
  readonly tools: ReadonlyMap<string, AnyToolDef>;
  /** The wire listing of the tools this device can serve. */
  list(capabilities: DeviceCapabilities): ListedTool[];
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema; // MCP's default dialect is 2020-12, which is what zod emits.
  return { ...json, type: 'object' as const };
}

export function createToolCatalog(deps: { status?: StatusDeps } = {}): ToolCatalog {
  const defs: AnyToolDef[] = [
    execTool,
    readFileTool,
    writeFileTool,
    listDirTool,
    createSystemStatusTool(deps.status),
    processesTool,
    serviceTool,
    logsTool,
    tmuxTool,
  ];
  const listed = defs.map((def) => ({
    def,
    wire: {
      name: def.name,
      title: def.title,
      description: def.description,
      inputSchema: toJsonSchema(def.input, 'input'),
      outputSchema: toJsonSchema(def.output, 'output'),
      annotations: { title: def.title, ...def.annotations },
    } satisfies ListedTool,
  }));
  return {
    tools: new Map(defs.map((d) => [d.name, d])),
    list: (caps) => listed.filter(({ def }) => !def.requires || caps[def.requires]).map(({ wire }) => wire),
  };
}
