import { Cron } from "croner";
import { type Setting, type SettingsSource, settingError } from "./settings-source.ts";
import type { PytarchiveConfig } from "./types.ts";

/** Defaults of `[Inventory]` (see docs/configuration.md). */
export const INVENTORY_DEFAULTS = {
  schedule: null,
  probeTimeoutSeconds: 10,
} as const satisfies PytarchiveConfig["inventory"];

const CRON_EXAMPLE = "0 6 * * 1 (Mondays at 06:00)";

/** `[Inventory]`: when inventory runs by itself, and how long a subfolder may take to answer. */
export function readInventory(source: SettingsSource): PytarchiveConfig["inventory"] {
  const schedule = source.read("Inventory", "schedule");
  const probeTimeout = source.read("Inventory", "probe_timeout");
  return {
    schedule: schedule === undefined ? INVENTORY_DEFAULTS.schedule : parseSchedule(schedule),
    probeTimeoutSeconds:
      probeTimeout === undefined
        ? INVENTORY_DEFAULTS.probeTimeoutSeconds
        : parseSeconds(probeTimeout),
  };
}

/** A 5-field cron expression (minute hour day-of-month month day-of-week) that fires some day. */
function parseSchedule(setting: Setting): string | null {
  const value = setting.text.trim().replace(/\s+/g, " ");
  if (value === "") return null;
  const fields = value.split(" ").length;
  if (fields !== 5) {
    throw settingError(
      setting,
      `has ${fields} field${fields === 1 ? "" : "s"}; expected a cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. ${CRON_EXAMPLE}`,
    );
  }
  let job: Cron;
  try {
    job = new Cron(value, { paused: true });
  } catch (error) {
    throw settingError(
      setting,
      `is not a valid cron expression (${(error as Error).message.replace(/^CronPattern: /, "")}); expected e.g. ${CRON_EXAMPLE}`,
    );
  }
  const next = job.nextRun();
  job.stop();
  if (next === null) {
    throw settingError(
      setting,
      `never matches a date (e.g. 31 February); expected a schedule such as ${CRON_EXAMPLE}`,
    );
  }
  return value;
}

/** A number of seconds above 0 (decimals allowed), at most an hour. */
function parseSeconds(setting: Setting): number {
  const text = setting.text.trim();
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value <= 0 || value > 3600) {
    throw settingError(setting, "expected a number of seconds above 0 and at most 3600, e.g. 10");
  }
  return value;
}
