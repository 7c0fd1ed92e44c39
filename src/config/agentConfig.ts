import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { PolicySchema } from '../policy/index.js';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits');

export const TokenEntrySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'token name: letters, digits, _ . @ - (1–64)'),
    sha256: Sha256,
  })
  .strict();

/** `HOST:PORT`, `[v6]:PORT` or a bare port. */
export const ListenSchema = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)?:?\d{1,5}$/, {
  error: 'listen is HOST:PORT, [IPv6]:PORT or PORT',
});

/** The `audit` section of agent.yaml and fleet.yaml: a JSONL file rotated by size. */
export const AuditSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    path: z.string().optional(),
    max_bytes: z
      .number()
      .int()
      .positive()
      .default(10 * 1024 * 1024),
    keep: z.number().int().min(1).max(100).default(5),
  })
  .strict()
  .prefault({});

/** The `log` section of agent.yaml and fleet.yaml. */
export const LogSettingsSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict()
  .prefault({});

/** agent.yaml: every object strict, so a misspelt safety setting is an error, not a no-op. */
export const AgentConfigSchema = z
  .object({
    listen: ListenSchema.optional(),
    tokens: z.array(TokenEntrySchema).default([]),
    allowed_origins: z.array(z.string().url()).default([]),
    allowed_hosts: z.array(z.string().min(1)).default([]),
    idle_exit_s: z
      .number()
      .int()
      .positive()
      .max(604_800, 'idle_exit_s must be at most 604800 (7 days)')
      .optional(),
    capabilities: z
      .object({
        systemd: z.boolean().optional(),
        journald: z.boolean().optional(),
        tmux: z.boolean().optional(),
      })
      .strict()
      .prefault({}),
    policy: PolicySchema.prefault({}),
    audit: AuditSettingsSchema,
    log: LogSettingsSchema,
  })
  .strict();

export type AgentConfig = z.output<typeof AgentConfigSchema>;

/** Where the agent keeps its state (audit log) when the config does not say. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MCP_FLEET_STATE_DIR) return env.MCP_FLEET_STATE_DIR;
  if (env.STATE_DIRECTORY) return env.STATE_DIRECTORY; // systemd StateDirectory=
  return join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'mcp-fleet');
}
