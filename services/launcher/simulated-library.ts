import { existsSync } from "node:fs";
import { createSimulatedLibrary } from "../../infra/simulator/create-library.ts";
import { simulatorLayout } from "../../infra/simulator/layout.ts";
import { formatSimulatorConfig } from "../../infra/simulator/sim-cli.ts";
import { parseConfig } from "../../shared/config/index.ts";
import type { PytarchiveConfig } from "../../shared/config/types.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";

export interface LibraryChoice {
  /** The configuration the services get: unchanged, or pointed at the simulated library. */
  readonly config: PytarchiveConfig;
  /** The simulated library's folder, or null when a real changer is configured. */
  readonly simulatedLibrary: string | null;
  /** True when this start created the simulated library (false: reused, or none). */
  readonly created: boolean;
}

/**
 * The tape library the services get. Only when the configuration asks for a simulation
 * (`[Device] simulate = yes`, or `npm start -- --simulate`) do they get the simulated library in
 * `simulatorDir`, created on the first start (2 drives, 24 slots, 10 tapes SIM001L9…SIM010L9 of
 * 1 GiB each) and kept across restarts. The configuration is then changed exactly as the lines
 * of `pytarchive-sim env` would change it ([Tools] path, [Device] library and simulate, a
 * [Drive n] per drive). Otherwise the configured changer must exist: a missing one is an error,
 * never a silent switch to the simulation (an archive on a loop image is no archive).
 *
 * @example
 * const { config, simulatedLibrary } = await chooseTapeLibrary(loadConfig(), "/var/lib/pytarchive/sim");
 */
export async function chooseTapeLibrary(
  config: PytarchiveConfig,
  simulatorDir: string,
  changerExists: (device: string) => boolean = existsSync,
): Promise<LibraryChoice> {
  if (!config.device.simulate) {
    requireChanger(config, changerExists);
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
    config: { ...config, tools: simulated.tools, device: { ...simulated.device, simulate: true } },
    simulatedLibrary: layout.stateDir,
    created,
  };
}

/**
 * Throws CHANGER_MISSING unless the configuration asks for the simulation or its changer device
 * exists: checked before anything starts, so that a wrong start leaves nothing behind.
 */
export function requireChanger(
  config: PytarchiveConfig,
  changerExists: (device: string) => boolean = existsSync,
): void {
  if (config.device.simulate || changerExists(config.device.library)) return;
  const where = config.source === null ? "the default" : `configured in ${config.source}`;
  throw new PytarchiveError(
    "CHANGER_MISSING",
    `The tape changer ${config.device.library} (${where}, [Device] library) does not exist on this machine; pytarchive did not start.`,
    {
      hint: `Connect the changer, or set [Device] library to its device (\`ls /dev/sch*\`, \`lsscsi -g\`); or, to try pytarchive without tapes, ask for the simulated library: \`npm start -- --simulate\` or [Device] simulate = yes.`,
    },
  );
}
