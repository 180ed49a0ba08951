import fs from "node:fs";
import path from "node:path";
import { PytarchiveError } from "../errors/index.ts";
import { defaultConfig, parseConfig } from "./parse-config.ts";
import { CONFIG_ENV, DEFAULT_CONFIG_PATH } from "./settings.ts";
import type { PytarchiveConfig } from "./types.ts";

export interface LoadConfigOptions {
  /** The file to read; wins over PYTARCHIVE_CONFIG. A named file must exist. */
  readonly path?: string;
  /** Environment to read overrides from; defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** The default file, read when nothing names one (tests point it elsewhere). */
  readonly defaultPath?: string;
}

/**
 * Reads the configuration file: `options.path`, else $PYTARCHIVE_CONFIG, else
 * /etc/pytarchive/pytarchive.conf. A missing default file means "all defaults" (a fresh
 * machine runs the embedded setup); a missing file that was named is an error
 * (CONFIG_NOT_FOUND), as is a file that cannot be read (CONFIG_UNREADABLE).
 *
 * @example
 * const config = loadConfig(); // /etc/pytarchive/pytarchive.conf, or the defaults
 * const other = loadConfig({ path: "/srv/pytarchive/test.conf" });
 */
export function loadConfig(options: LoadConfigOptions = {}): PytarchiveConfig {
  const env = options.env ?? process.env;
  const fromEnv = env[CONFIG_ENV.config]?.trim() || undefined;
  const namedBy =
    options.path !== undefined ? "the caller" : fromEnv !== undefined ? CONFIG_ENV.config : null;
  const file = path.resolve(options.path ?? fromEnv ?? options.defaultPath ?? DEFAULT_CONFIG_PATH);

  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && namedBy === null) return defaultConfig(env);
    if (code === "ENOENT") {
      throw new PytarchiveError(
        "CONFIG_NOT_FOUND",
        `Configuration file ${file} does not exist (named by ${namedBy}).`,
        {
          hint:
            namedBy === CONFIG_ENV.config
              ? `Create it (docs/configuration.md lists every key), or unset ${CONFIG_ENV.config} to use ${DEFAULT_CONFIG_PATH}.`
              : "Create it (docs/configuration.md lists every key), or check the path.",
          cause: error,
        },
      );
    }
    throw new PytarchiveError(
      "CONFIG_UNREADABLE",
      `Cannot read configuration file ${file}: ${(error as Error).message}`,
      {
        hint:
          code === "EACCES"
            ? "Run pytarchive as root, or make the file readable by this user."
            : `Make ${file} a readable file.`,
        cause: error,
      },
    );
  }
  return parseConfig(text, file, env);
}
