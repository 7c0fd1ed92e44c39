import { z } from 'zod';
import { AuditSettingsSchema, ListenSchema, LogSettingsSchema } from '../../config/index.js';
import { PolicySchema } from '../../policy/index.js';
import { RecipesSchema } from '../recipes/schema.js';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits');

/**
 * Device names become targets and (with `compat: seed`) parts of tool names, so they are kept
 * to the characters MCP allows in tool names, and may not contain `__`, which separates a
 * server from its tool in passthrough names; `/` is reserved for chained hubs (`site/device`).
 */
export const DeviceName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
    'device name: a letter or digit, then letters, digits, _ . - (1–63)',
  )
  .refine((name) => !name.includes('__'), 'device name may not contain "__" (it separates server and tool)')
  .refine((name) => name !== 'all', '"all" is reserved: as a target it means every device');

/** Server and hub names prefix tool names (`<server>__<tool>`): no `_`, so the split is unambiguous. */
export const ServerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/, 'name: a letter or digit, then letters, digits, - (1–32; no _)');

const TagName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'tag: letters, digits, _ . - (1–63)');
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');
const HttpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'url must be http:// or https://');

/** A credential by reference: never inline, so fleet.yaml can be committed and shared. */
const CredentialRef = {
  token_env: EnvName.optional(),
  token_file: z.string().min(1).optional(),
};
const oneCredential = (value: { token_env?: string; token_file?: string }) =>
  !(value.token_env && value.token_file);

const Fingerprint = z
  .string()
  .regex(
    /^SHA256:[A-Za-z0-9+/]{43}$/,
    'host_key: a SHA256 fingerprint as ssh-keygen -lf prints it (SHA256:…)',
  );
const OneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]);

/** How the hub reaches a device over SSH, with nothing installed on it. */
export const SshSchema = z
  .object({
    /** Host name or address; with `ssh_config: true`, a Host alias of ~/.ssh/config. */
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65_535).optional(),
    /** Login user; default: ssh_config's User, else the user running the hub. */
    user: z.string().min(1).max(64).optional(),
    /** Private key file(s); default: ssh_config's IdentityFile, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa that exist. */
    identity_file: OneOrMany(z.string().min(1)).optional(),
    /** Environment variable holding the identity files' passphrase (never the passphrase itself). */
    passphrase_env: EnvName.optional(),
    /** Offer the keys of the ssh-agent at SSH_AUTH_SOCK (default: when it is set). */
    use_agent: z.boolean().optional(),
    /** known_hosts file(s); default: ~/.ssh/known_hosts. */
    known_hosts: OneOrMany(z.string().min(1)).optional(),
    /** Pinned host key fingerprint(s): only these are accepted, known_hosts is not consulted. */
    host_key: OneOrMany(Fingerprint).optional(),
    /** Accept and record an unknown host key on first contact (never a changed one). */
    trust_on_first_use: z.boolean().default(false),
    /** Another SSH device of this fleet to tunnel through (a jump host). */
    via: z.string().min(1).optional(),
    /** Resolve `host` through ~/.ssh/config (HostName, Port, User, IdentityFile, UserKnownHostsFile). */
    ssh_config: z.boolean().default(false),
    connect_timeout_s: z.number().positive().max(300).default(10),
    keepalive_s: z.number().min(0).max(3600).default(15),
    /** Close the connection after this long without a call (0: keep it open). */
    idle_close_s: z.number().min(0).max(86_400).default(300),
    /** Remote shells kept open for concurrent calls; with the kill helper and SFTP this stays under OpenSSH's default of 10 sessions. */
    max_channels: z.number().int().min(1).max(8).default(4),
  })
  .strict();

/** Commands and units an SSH device runs under `sudo -n` (a password is never sent). */
export const BecomeSchema = z
  .object({
    method: z.literal('sudo').default('sudo'),
    commands: z.array(z.string().min(1)).default([]),
    units: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const DeviceSchema = z
  .object({
    /** An mcp-fleet agent (or any MCP server with the agent's tools) over Streamable HTTP. */
    url: HttpUrl.optional(),
    /** This machine, served in-process by the hub (what `mcp-fleet up` adds as `local`). */
    local: z.literal(true).optional(),
    /** A machine reached over SSH: the tools run through SSH, or through `agent_command`. */
    ssh: SshSchema.optional(),
    /** Start the agent over SSH (`mcp-fleet agent --stdio`) for the session and speak MCP to it. */
    agent_command: z.string().min(1).max(1000).optional(),
    become: BecomeSchema.optional(),
    ...CredentialRef,
    tags: z.array(TagName).default([]),
    description: z.string().max(500).optional(),
    /** Per-device call timeout in seconds; the fan-out default applies when absent. */
    timeout_s: z.number().positive().max(604_800).optional(),
    /** Policy for a `local` or `ssh` device, enforced by the hub (an agent enforces its own). */
    policy: PolicySchema.optional(),
  })
  .strict()
  .refine(
    (d) => (d.url ? 1 : 0) + (d.local ? 1 : 0) + (d.ssh ? 1 : 0) === 1,
    'a device needs exactly one of url, local: true or ssh',
  )
  .refine(oneCredential, 'give token_env or token_file, not both')
  .refine(
    (d) => !((d.token_env || d.token_file) && !d.url),
    'token_env and token_file apply to url devices only',
  )
  .refine(
    (d) => !(d.policy && (d.url || d.agent_command)),
    'policy applies to local and ssh devices (an agent, also one started by agent_command, enforces its own)',
  )
  .refine((d) => !(d.agent_command && !d.ssh), 'agent_command needs ssh')
  .refine(
    (d) => !(d.become && (!d.ssh || d.agent_command)),
    'become applies to ssh devices without agent_command',
  );

const ToolFilter = z
  .object({
    include: z.array(z.string().min(1)).optional(),
    exclude: z.array(z.string().min(1)).default([]),
  })
  .strict()
  .prefault({});

export const ServerSchema = z
  .object({
    /** A remote MCP server: Streamable HTTP, or the older HTTP+SSE transport when the URL ends in /sse. */
    url: HttpUrl.optional(),
    transport: z.enum(['streamable-http', 'sse']).optional(),
    ...CredentialRef,
    /** A local MCP server the hub starts and supervises over stdio. */
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    env: z.record(EnvName, z.string()).default({}),
    cwd: z.string().optional(),
    tools: ToolFilter,
    enabled: z.boolean().default(true),
    description: z.string().max(500).optional(),
  })
  .strict()
  .refine((s) => (s.url ? 1 : 0) + (s.command ? 1 : 0) === 1, 'a server needs exactly one of url or command')
  .refine(oneCredential, 'give token_env or token_file, not both')
  .refine((s) => !(s.command && (s.token_env || s.token_file || s.transport)), {
    message: 'token_env, token_file and transport apply to url servers only',
  });

export const ChainedHubSchema = z
  .object({ url: HttpUrl, ...CredentialRef, tags: z.array(TagName).default([]) })
  .strict()
  .refine(oneCredential, 'give token_env or token_file, not both');

export const RoleSchema = z.enum(['viewer', 'operator', 'admin']);

export const PrincipalSchema = z
  .object({
    token_sha256: Sha256.optional(),
    role: RoleSchema,
    /** A target expression (`"pis,nas"`, `"tag:lab,!pi-3"`) or a list of them; default all. */
    targets: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('all'),
    /** Tool calls per minute; a burst of this size is allowed, then calls are refused until it refills. */
    rate_per_minute: z.number().int().positive().max(1_000_000).default(600),
    /**
     * Third-party servers whose tools, resources and prompts it may use. Default: all of them
     * for a principal whose targets are `all`, none for one limited to some devices (a server
     * such as a filesystem server reaches the hub's own machine, outside those targets).
     */
    servers: z.union([z.literal('all'), z.array(z.string().min(1))]).optional(),
  })
  .strict();

/** Names the hub gives its built-in principals (MCP_FLEET_TOKEN, `up`, a generated token, --insecure). */
export const RESERVED_PRINCIPALS: readonly string[] = ['token', 'owner', 'generated', 'anonymous'];

const PrincipalName = z
  .string()
  .regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'principal name: letters, digits, _ . @ - (1–64)')
  .refine((n) => !RESERVED_PRINCIPALS.includes(n), {
    message: `reserved for built-in principals: ${RESERVED_PRINCIPALS.join(', ')}`,
  });

export const FleetConfigSchema = z
  .object({
    listen: ListenSchema.optional(),
    state_dir: z.string().min(1).optional(),
    devices: z.record(DeviceName, DeviceSchema).default({}),
    groups: z.record(DeviceName, z.array(z.string().min(1)).min(1)).default({}),
    servers: z.record(ServerName, ServerSchema).default({}),
    hubs: z.record(ServerName, ChainedHubSchema).default({}),
    principals: z.record(PrincipalName, PrincipalSchema).default({}),
    /** The principal `--stdio` runs as; unset, an implicit admin named `stdio`. */
    stdio_principal: PrincipalName.optional(),
    /** `seed` adds the seed documents' tool names (network_resources, <device>_admin, …). */
    compat: z.enum(['none', 'seed']).default('none'),
    /** Named, typed, parameterised command sequences, each served as a tool `recipe_<name>`. */
    recipes: RecipesSchema.default({}),
    /** YAML files (relative to this one) each holding `recipes:`; watched like this file. */
    recipe_files: z.array(z.string().min(1)).default([]),
    fanout: z
      .object({
        concurrency: z.number().int().min(1).max(4096).default(64),
        device_timeout_s: z.number().positive().max(604_800).default(10),
        deadline_s: z.number().positive().max(604_800).default(60),
      })
      .strict()
      .prefault({}),
    heartbeat: z
      .object({
        interval_s: z.number().min(1).max(86_400).default(15),
        timeout_s: z.number().positive().max(600).default(5),
        /** Consecutive failed probes before a device is down (one failure makes it degraded). */
        down_after: z.number().int().min(1).max(100).default(2),
        max_backoff_s: z.number().min(1).max(86_400).default(300),
        /** A probe slower than this marks an answering device degraded. */
        slow_ms: z.number().int().positive().default(2000),
      })
      .strict()
      .prefault({}),
    allowed_origins: z.array(z.string().url()).default([]),
    allowed_hosts: z.array(z.string().min(1)).default([]),
    max_body_bytes: z
      .number()
      .int()
      .positive()
      .max(1024 * 1024 * 1024)
      .default(16 * 1024 * 1024),
    audit: AuditSettingsSchema,
    log: LogSettingsSchema,
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const [name, principal] of Object.entries(config.principals)) {
      if (!principal.token_sha256 && name !== config.stdio_principal) {
        ctx.addIssue({
          code: 'custom',
          path: ['principals', name, 'token_sha256'],
          message: 'a principal needs token_sha256 (only the stdio principal may go without)',
        });
      }
    }
    if (config.stdio_principal && !config.principals[config.stdio_principal]) {
      ctx.addIssue({
        code: 'custom',
        path: ['stdio_principal'],
        message: `no principal named "${config.stdio_principal}"`,
      });
    }
    for (const [name, device] of Object.entries(config.devices)) {
      const via = device.ssh?.via;
      if (via === undefined) continue;
      if (!config.devices[via]?.ssh) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', name, 'ssh', 'via'],
          message: `via must name another ssh device of this file; "${via}" is not one`,
        });
        continue;
      }
      // Follow the chain: a loop would tunnel forever.
      const seen = new Set([name]);
      for (let hop: string | undefined = via; hop !== undefined; hop = config.devices[hop]?.ssh?.via) {
        if (seen.has(hop)) {
          ctx.addIssue({
            code: 'custom',
            path: ['devices', name, 'ssh', 'via'],
            message: `via makes a loop: ${[...seen, hop].join(' → ')}`,
          });
          break;
        }
        seen.add(hop);
      }
    }
    for (const name of Object.keys(config.groups)) {
      if (config.devices[name]) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', name],
          message: `"${name}" is both a device and a group; use different names`,
        });
      }
    }
  });

export type FleetConfig = z.output<typeof FleetConfigSchema>;
export type DeviceConfig = z.output<typeof DeviceSchema>;
export type ServerConfig = z.output<typeof ServerSchema>;
export type SshConfig = z.output<typeof SshSchema>;
export type BecomeConfig = z.output<typeof BecomeSchema>;
export type ChainedHubConfig = z.output<typeof ChainedHubSchema>;
export type PrincipalConfig = z.output<typeof PrincipalSchema>;
export type Role = z.output<typeof RoleSchema>;
