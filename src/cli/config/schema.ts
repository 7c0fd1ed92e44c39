import { z } from 'zod';

/** Where the CLI finds the hub when nothing says otherwise: what `mcp-fleet hub` and `up` serve. */
export const DEFAULT_HUB_URL = 'http://127.0.0.1:7420/mcp';

export const COLOR_MODES = ['auto', 'always', 'never'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

/** An http(s) URL; the hub's MCP endpoint. */
export const HubUrlSchema = z
  .string()
  .url('hub.url must be a URL such as http://127.0.0.1:7420/mcp')
  .refine((u) => /^https?:\/\//i.test(u), 'hub.url must be http:// or https://');

/**
 * One layer of the CLI's own settings (`/etc/mcp-fleet/config.yaml`, `~/.config/mcp-fleet/config.yaml`,
 * `./mcp-fleet.yaml`). Strict, so a misspelt key is an error instead of a setting silently
 * ignored. The token is only ever referenced (a variable or a file): these files get committed
 * and shared, a token must not be in them.
 */
export const CliConfigFileSchema = z
  .object({
    hub: z
      .object({
        url: HubUrlSchema.optional(),
        token_env: EnvName.optional(),
        token_file: z.string().min(1).optional(),
      })
      .strict()
      .refine((h) => !(h.token_env && h.token_file), 'give hub.token_env or hub.token_file, not both')
      .optional(),
    /** fleet.yaml, for the commands that edit it (devices add, token list/revoke) and doctor. */
    fleet: z.string().min(1).optional(),
    /** The hub's state directory (enrolled devices, join tokens), for the commands that edit it. */
    state_dir: z.string().min(1).optional(),
    output: z
      .object({ color: z.enum(COLOR_MODES).optional() })
      .strict()
      .optional(),
  })
  .strict();

export type CliConfigFile = z.output<typeof CliConfigFileSchema>;
