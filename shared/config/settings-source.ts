import { PytarchiveError } from "../errors/index.ts";
import { DEFAULT_SECTION, type IniDocument } from "./ini.ts";
import { lookupIniValue } from "./interpolation.ts";
import { shownValue } from "./redact.ts";
import { SETTINGS } from "./settings.ts";

/** Where a value came from, so that an error can send the user to the right line or variable. */
export type SettingOrigin =
  | {
      readonly kind: "file";
      readonly file: string;
      readonly section: string;
      readonly key: string;
      readonly line: number;
      /** The section the line is in: `section` itself, or DEFAULT. */
      readonly writtenIn: string;
    }
  | {
      readonly kind: "env";
      readonly variable: string;
      readonly section: string;
      readonly key: string;
    };

/** One configured value, as text, with its origin. */
export interface Setting {
  readonly text: string;
  readonly origin: SettingOrigin;
}

/** Read access to the file and the environment, environment first. */
export interface SettingsSource {
  /** The file's name, or null when there is no file. */
  readonly file: string | null;
  /** Names of the sections the file has (without DEFAULT), in file order. */
  readonly sectionNames: readonly string[];
  /** The value of a key: its environment variable if set and not empty, else the file's. */
  read(section: string, key: string): Setting | undefined;
  /** An error about a whole section (no single value to blame). */
  sectionError(section: string, problem: string, hint: string): PytarchiveError;
}

export function createSettingsSource(
  document: IniDocument | null,
  env: NodeJS.ProcessEnv,
): SettingsSource {
  const envVariables = new Map(
    SETTINGS.filter((s) => s.env !== null).map((s) => [`${s.section}\0${s.key}`, s.env ?? ""]),
  );
  return {
    file: document?.source ?? null,
    sectionNames: document ? [...document.sections.keys()] : [],
    read(section, key) {
      const variable = envVariables.get(`${section}\0${key}`);
      const fromEnv = variable === undefined ? undefined : env[variable]?.trim();
      if (variable !== undefined && fromEnv !== undefined && fromEnv !== "") {
        return { text: fromEnv, origin: { kind: "env", variable, section, key } };
      }
      const found = document ? lookupIniValue(document, section, key) : undefined;
      if (found === undefined || document === null) return undefined;
      return {
        text: found.value,
        origin: {
          kind: "file",
          file: document.source,
          section,
          key,
          line: found.line,
          writtenIn: found.writtenIn,
        },
      };
    },
    sectionError(section, problem, hint) {
      const line = document?.sections.get(section)?.line;
      const where = line === undefined ? "" : ` (line ${line})`;
      return new PytarchiveError(
        "CONFIG_INVALID",
        `${document?.source ?? "configuration"}: [${section}]${where}: ${problem}`,
        { hint },
      );
    },
  };
}

/**
 * The error for a value that is wrong: names the file (or environment variable), the section,
 * the key, the value and what a valid one looks like.
 *
 * @example
 * settingError(setting, "expected a whole number of KiB (17138671616 is an LTO-9 tape)");
 * // /etc/pytarchive/pytarchive.conf: [General] tape_max_size = "17T": expected a whole number …
 */
export function settingError(setting: Setting, problem: string, hint?: string): PytarchiveError {
  const { origin } = setting;
  const shown = JSON.stringify(shownValue(origin.key, setting.text));
  if (origin.kind === "env") {
    return new PytarchiveError(
      "CONFIG_INVALID",
      `environment variable ${origin.variable} = ${shown} (overrides [${origin.section}] ${origin.key}): ${problem}`,
      { hint: hint ?? `Correct or unset ${origin.variable}.` },
    );
  }
  const inherited = origin.writtenIn === origin.section ? "" : ` (set in [${DEFAULT_SECTION}])`;
  return new PytarchiveError(
    "CONFIG_INVALID",
    `${origin.file}: [${origin.section}] ${origin.key} = ${shown}${inherited}: ${problem}`,
    {
      hint: `${hint === undefined ? "" : `${hint} `}The value is on line ${origin.line} of ${origin.file}.`,
    },
  );
}
