export { DEFAULTS } from "./build-config.ts";
export { COMPRESSION_DEFAULTS } from "./compression-settings.ts";
export { DEFAULT_DRIVE_DEVICE, DEFAULT_MOUNT_POINT } from "./drives.ts";
export type { IniDocument, IniEntry, IniSection } from "./ini.ts";
export { DEFAULT_SECTION, parseIni } from "./ini.ts";
export type { IniValue } from "./interpolation.ts";
export { lookupIniValue } from "./interpolation.ts";
export { INVENTORY_DEFAULTS } from "./inventory-settings.ts";
export type { LoadConfigOptions } from "./load-config.ts";
export { loadConfig } from "./load-config.ts";
export {
  type LoggingConfFile,
  type LoggingConfMail,
  parseLoggingConf,
  parseLoggingConfFile,
  readLoggingConf,
  readLoggingConfFile,
} from "./logging-conf.ts";
export { LOGGING_DEFAULTS } from "./logging-settings.ts";
export { NOTIFICATION_DEFAULTS } from "./notification-settings.ts";
export { defaultConfig, parseConfig } from "./parse-config.ts";
export { PythonLiteralError, type PythonValue, parsePythonLiteral } from "./python-literal.ts";
export { redactConfig, redactCredentials, redactWebhookUrl } from "./redact.ts";
export {
  isProcessLayout,
  PROCESS_LAYOUTS,
  type ProcessLayout,
  SERVICES_DEFAULTS,
} from "./services-settings.ts";
export type { SettingDescription } from "./settings.ts";
export { CONFIG_ENV, DEFAULT_CONFIG_PATH, SETTINGS } from "./settings.ts";
export type { CompressionProgram, DriveConfig, PytarchiveConfig, ToolPaths } from "./types.ts";
export { COMPRESSION_PROGRAMS, TOOL_NAMES } from "./types.ts";
