export { editFleetFile, fleetFilePath, readFleetFile, setCliConfigValues } from './configFiles.js';
export type { TokenLookup } from './hubToken.js';
export { readHubToken, requireHubToken } from './hubToken.js';
export type { CliConfigDeps, CliFlags, CliSettings, TokenRef } from './resolveCliConfig.js';
export {
  CLI_ENV,
  CLI_FLAG_NAMES,
  cliConfigFiles,
  defaultCliConfigDeps,
  resolveCliConfig,
  userConfigDir,
} from './resolveCliConfig.js';
export type { CliConfigFile, ColorMode } from './schema.js';
export { DEFAULT_HUB_URL } from './schema.js';
export type { ConfigLayer, ConfigSource, Sourced } from './sources.js';
export { describeSource, settingPath } from './sources.js';
export type { YamlEditor } from './yamlEdit.js';
export type { EditOutcome, EditYamlOptions } from './yamlFile.js';
export type { YamlPath } from './yamlSplice.js';
