import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseYamlConfig, readTextFile } from '../../config/index.js';
// The schema module, not the inventory barrel: that one pulls in ssh2 and the SDK for every CLI start.
import { type FleetConfig, FleetConfigSchema } from '../../hub/inventory/schema.js';
import { CliConfigFileSchema } from './schema.js';
import type { YamlEditor } from './yamlEdit.js';
import { type EditOutcome, type EditYamlOptions, editYamlFile } from './yamlFile.js';

/**
 * The two YAML files the CLI edits for the operator: fleet.yaml (devices, principals, servers)
 * and its own settings file. Both go through editYamlFile, so comments survive and a result the
 * hub or the CLI would refuse is never written.
 */

/**
 * The fleet.yaml a command edits: `--config`, else MCP_FLEET_HUB_CONFIG (what `mcp-fleet hub`
 * reads), else ~/.config/mcp-fleet/fleet.yaml (what `mcp-fleet up` reads). MCP_FLEET_CONFIG is
 * not consulted: it names the agent's agent.yaml.
 */
export function fleetFilePath(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  home: string = homedir(),
): string {
  const chosen = flag ?? env.MCP_FLEET_HUB_CONFIG;
  if (chosen) return resolve(chosen);
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'mcp-fleet', 'fleet.yaml');
}

/** Validates fleet.yaml text as the hub would load it; CONFIG_INVALID lists every problem. */
export function validateFleetText(text: string, file: string): FleetConfig {
  return parseYamlConfig(FleetConfigSchema, text, file);
}

/** fleet.yaml as the hub would load it, or `null` when there is no such file. */
export async function readFleetFile(path: string): Promise<FleetConfig | null> {
  const current = await readTextFile(path);
  return current ? validateFleetText(current.text, path) : null;
}

/**
 * Edits fleet.yaml in place, keeping it valid for the hub (which reloads it on change); `edit`
 * sees the file's current content as the hub reads it. See editYamlFile.
 */
export function editFleetFile<T>(
  path: string,
  edit: (editor: YamlEditor, current: FleetConfig) => T | Promise<T>,
  options: EditYamlOptions = {},
): Promise<EditOutcome<T>> {
  return editYamlFile(path, FleetConfigSchema, edit, options);
}

/** What a CLI settings file starts as: a pointer to what may go in it, and a blank line. */
const CLI_CONFIG_HEADER = '# mcp-fleet CLI settings (docs/cli.md)\n\n';

/**
 * Sets keys of a CLI settings file (creating it, mode 0600, when absent), keeping everything
 * else; a value of `undefined` removes the key.
 */
export async function setCliConfigValues(
  path: string,
  values: ReadonlyArray<{ key: readonly string[]; value: string | undefined }>,
): Promise<void> {
  await editYamlFile(
    path,
    CliConfigFileSchema,
    (editor) => {
      for (const { key, value } of values) {
        if (value === undefined) editor.delete(key);
        else editor.set(key, value);
      }
    },
    { initial: CLI_CONFIG_HEADER },
  );
}
