import { buildConfig } from "./build-config.ts";
import { parseIni } from "./ini.ts";
import type { PytarchiveConfig } from "./types.ts";

/**
 * The configuration from the text of a pytarchive.conf: configparser syntax, every key
 * validated and defaulted, environment variables applied on top (they win over the file).
 * `sourceName` is the file name used in error messages and in `config.source`.
 * Throws a `PytarchiveError` with code CONFIG_SYNTAX (with a line number) or CONFIG_INVALID
 * (naming file, section, key and a valid example).
 *
 * @example
 * const config = parseConfig("[General]\ntape_max_size = 17138671616\n", "pytarchive.conf", {});
 * config.general.tapeMaxSizeKiB; // 17138671616
 */
export function parseConfig(
  text: string,
  sourceName: string,
  env: NodeJS.ProcessEnv = process.env,
): PytarchiveConfig {
  return buildConfig(parseIni(text, sourceName), env);
}

/**
 * The configuration when there is no file: every default, with environment overrides.
 *
 * @example
 * defaultConfig({ PYTARCHIVE_STATE_DIR: "/tmp/pt" }).general.scratchPath; // "/tmp/pt/scratch"
 */
export function defaultConfig(env: NodeJS.ProcessEnv = process.env): PytarchiveConfig {
  return buildConfig(null, env);
}
