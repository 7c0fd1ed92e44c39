export type { ListedTool, ToolCatalog } from './catalog.js';
export { createToolCatalog } from './catalog.js';
export type { CallOptions, PipelineDeps, ToolCallResult, ToolPipeline } from './pipeline.js';
export { createToolPipeline } from './pipeline.js';
export type { AgentSelf, StatusDeps, SystemStatus } from './systemStatus.js';
export { STATUS_FILES, SystemStatusOutput } from './systemStatus.js';
export type { AnyToolDef, ToolContext, ToolDef } from './toolDef.js';
export { defineTool } from './toolDef.js';
