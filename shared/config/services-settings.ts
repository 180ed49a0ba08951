import { type SettingsSource, settingError } from "./settings-source.ts";
import type { PytarchiveConfig } from "./types.ts";

/**
 * How `npm start` lays its services out in processes:
 * - `one`: every service inside the launcher's own process;
 * - `split`: the data path (ltfs, verification, compression) in one child process, every other
 *   service in another, so a crash or a stall on one side leaves the other running;
 * - `each`: one child process a service, as compose and a multi-host site run them.
 */
export const PROCESS_LAYOUTS = ["one", "split", "each"] as const;
export type ProcessLayout = (typeof PROCESS_LAYOUTS)[number];

/** Defaults of `[Services]` (see docs/configuration.md). */
export const SERVICES_DEFAULTS = {
  processes: "split",
} as const satisfies PytarchiveConfig["services"];

/** `[Services]`: the process layout of `npm start`. */
export function readServices(source: SettingsSource): PytarchiveConfig["services"] {
  const setting = source.read("Services", "processes");
  if (setting === undefined) return SERVICES_DEFAULTS;
  const value = setting.text.trim().toLowerCase();
  if (!isProcessLayout(value)) {
    throw settingError(
      setting,
      `expected one of ${PROCESS_LAYOUTS.join(", ")}`,
      "`split` (the default) keeps the data path apart from the gateway and the catalog; `each` runs one process a service; `one` runs everything in the launcher.",
    );
  }
  return { processes: value };
}

export function isProcessLayout(value: string): value is ProcessLayout {
  return (PROCESS_LAYOUTS as readonly string[]).includes(value);
}
