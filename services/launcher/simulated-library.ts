import { existsSync } from "node:fs";
import { createSimulatedLibrary } from "../../infra/simulator/create-library.ts";
import { simulatorLayout } from "../../infra/simulator/layout.ts";
import { formatSimulatorConfig } from "../../infra/simulator/sim-cli.ts";
import { DEFAULTS, parseConfig } from "../../shared/config/index.ts";
import type { PytarchiveConfig } from "../../shared/config/types.ts";

export interface LibraryChoice {
  /** The configuration the services get: unchanged, or pointed at the simulated library. */
  readonly config: PytarchiveConfig;
  /** The simulated library's folder, or null when a real changer is configured. */
  readonly simulatedLibrary: string | null;
  /** True when this start created the simulated library (false: reused, or none). */
  readonly created: boolean;
}

/**
 * The embedded default's tape library. When the configuration names no changer (`[Device]
 * library` is still the default /dev/sch0) and /dev/sch0 does not exist, the services get the
 * simulated library in `simulatorDir` instead, created on the first start (2 drives, 24 slots,
 * 10 tapes SIM001L9…SIM010L9 of 1 GiB each) and kept across restarts. The configuration is
 * changed exactly as the lines of `pytarchive-sim env` would change it ([Tools] path,
 * [Device] library, a [Drive n] per drive), so the services cannot tell it from hardware.
 *
 * @example
 * const { config, simulatedLibrary } = await chooseTapeLibrary(loadConfig(), "/var/lib/pytarchive/sim");
 */
export async function chooseTapeLibrary(
  config: PytarchiveConfig,
  simulatorDir: string,
  changerExists: (device: string) => boolean = existsSync,
): Promise<LibraryChoice> {
  if (config.device.library !== DEFAULTS.library || changerExists(config.device.library)) {
    return { config, simulatedLibrary: null, created: false };
  }
  const layout = simulatorLayout(simulatorDir);
  const created = !existsSync(layout.libraryFile);
  if (created) await createSimulatedLibrary({ stateDir: layout.stateDir });
  // The simulator's own lines, read like a pytarchive.conf; no environment overrides apply to them.
  const simulated = parseConfig(
    formatSimulatorConfig(layout.stateDir),
    `the simulated library in ${layout.stateDir}`,
    {},
  );
  return {
    config: { ...config, tools: simulated.tools, device: simulated.device },
    simulatedLibrary: layout.stateDir,
    created,
  };
}
