import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import { createSimulatedLibrary } from "../../infra/simulator/create-library.ts";
import { parseDriveDevice, simulatorLayout } from "../../infra/simulator/layout.ts";
import { formatSimulatorConfig } from "../../infra/simulator/sim-cli.ts";
import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { parseConfig } from "../../shared/config/index.ts";
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
 * (`[Device] simulate = yes`, or `npm start -- --simulate`) do they get a simulated library: the
 * one `[Device] library` names when that is a simulated library's changer (used as configured),
 * else the one in `simulatorDir`, created on the first start (2 drives, 24 slots, 10 tapes SIM001L9…SIM010L9 of
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
  const existing = existingTapeLibrary(config, simulatorDir);
  if (existing !== null) return existing;
  await createSimulatedLibrary({ stateDir: simulatorLayout(simulatorDir).stateDir });
  return { ...simulatedLibraryIn(config, simulatorDir), created: true };
}

/**
 * What chooseTapeLibrary gives when the simulation is asked for, without creating anything
 * (support-bundle only looks): the simulated library `[Device] library` names, else the one in
 * `simulatorDir`; null when there is none yet (or the simulation is not asked for).
 */
export function existingTapeLibrary(
  config: PytarchiveConfig,
  simulatorDir: string,
): LibraryChoice | null {
  if (!config.device.simulate) return null;
  const configured = simulatedChangerOf(config);
  if (configured !== null) {
    // The lines of `pytarchive-sim env` or of infra/scripts/discover, pasted into
    // pytarchive.conf: that library, with the drives and mount points as configured.
    requireOneSimulatedLibrary(config, configured);
    return { config, simulatedLibrary: configured, created: false };
  }
  if (!existsSync(simulatorLayout(simulatorDir).libraryFile)) return null;
  return simulatedLibraryIn(config, simulatorDir);
}

/** The configuration pointed at the simulated library in `simulatorDir`. */
function simulatedLibraryIn(config: PytarchiveConfig, simulatorDir: string): LibraryChoice {
  const { stateDir } = simulatorLayout(simulatorDir);
  // The simulator's own lines, read like a pytarchive.conf; no environment overrides apply to them.
  const simulated = parseConfig(
    formatSimulatorConfig(stateDir),
    `the simulated library in ${stateDir}`,
    {},
  );
  return {
    config: { ...config, tools: simulated.tools, device: { ...simulated.device, simulate: true } },
    simulatedLibrary: stateDir,
    created: false,
  };
}

/**
 * Throws CHANGER_MISSING unless the configuration asks for the simulation or its changer device
 * exists, and CHANGER_IS_SIMULATED when, without the simulation asked for, the changer or a
 * drive is a simulated library's (an old `pytarchive-sim env` output in pytarchive.conf, or
 * PYTARCHIVE_LIBRARY): its tapes would be recorded as real ones. Checked before anything
 * starts, so that a wrong start leaves nothing behind.
 */
export function requireChanger(
  config: PytarchiveConfig,
  changerExists: (device: string) => boolean = existsSync,
): void {
  if (config.device.simulate) return;
  const simulated = simulatedPartsOf(config)[0];
  if (simulated !== undefined) {
    throw new PytarchiveError(
      "CHANGER_IS_SIMULATED",
      `${simulated.what} belongs to the simulated library in ${simulated.stateDir}, but the configuration does not ask for a simulation; pytarchive did not start, so that no loop image is recorded as a real tape.`,
      {
        hint: `To try pytarchive on the simulated library, say so: \`npm start -- --simulate\` or [Device] simulate = yes (its tapes are then marked simulated and never count as a copy). For the real library, set [Device] library and the [Drive n] devices to its devices (\`lsscsi -g\`) and unset PYTARCHIVE_LIBRARY.`,
      },
    );
  }
  if (changerExists(config.device.library)) return;
  const where = config.source === null ? "the default" : `configured in ${config.source}`;
  throw new PytarchiveError(
    "CHANGER_MISSING",
    `The tape changer ${config.device.library} (${where}, [Device] library) does not exist on this machine; pytarchive did not start.`,
    {
      hint: `Connect the changer, or set [Device] library to its device (\`ls /dev/sch*\`, \`lsscsi -g\`); or, to try pytarchive without tapes, ask for the simulated library: \`npm start -- --simulate\` or [Device] simulate = yes.`,
    },
  );
}

/** The state folder of the simulated library whose changer `[Device] library` names, or null. */
function simulatedChangerOf(config: PytarchiveConfig): string | null {
  const changer = resolvedPath(config.device.library);
  const stateDir = path.dirname(changer);
  const layout = simulatorLayout(stateDir);
  return layout.changerDevice === changer && existsSync(layout.libraryFile) ? stateDir : null;
}

/** A device or tool of the configuration that is a simulated library's, and which library. */
interface SimulatedPart {
  /** In the user's words: "The tape changer /x ([Device] library in /etc/…)". */
  readonly what: string;
  readonly stateDir: string;
  /** The [Drive n] element, for a drive device. */
  readonly drive?: number;
}

/**
 * Each device and tool the configuration names that belongs to a simulated library. The
 * simulator's shape (infra/simulator/layout.ts) tells it: the changer is `<state>/changer`, a
 * drive `<state>/drives/<n>`, the tools are in `<state>/bin`, with `<state>/library.json` beside
 * them. Links count where they lead: a drive device is itself a link (to the loaded tape's
 * folder), so its folder is resolved, not the device.
 */
function simulatedPartsOf(config: PytarchiveConfig): SimulatedPart[] {
  const source = config.source === null ? "" : ` in ${config.source}`;
  const changer = resolvedPath(config.device.library);
  const changerState = path.dirname(changer);
  const parts: SimulatedPart[] = [];
  if (simulatorLayout(changerState).changerDevice === changer) {
    parts.push({
      what: `The tape changer ${config.device.library} ([Device] library${source}, or $PYTARCHIVE_LIBRARY)`,
      stateDir: changerState,
    });
  }
  for (const drive of config.device.drives) {
    const given = parseDriveDevice(drive.device);
    const linked = parseDriveDevice(
      path.join(resolvedPath(path.dirname(drive.device)), path.basename(drive.device)),
    );
    for (const parsed of new Set([given?.stateDir, linked?.stateDir])) {
      if (parsed === undefined) continue;
      parts.push({
        what: `The drive device ${drive.device} ([Drive ${drive.element}] device${source})`,
        stateDir: parsed,
        drive: drive.element,
      });
    }
  }
  for (const [tool, command] of Object.entries(config.tools)) {
    // A bare name is looked up on PATH when it runs; only a path names a place.
    if (!command.includes("/")) continue;
    const binDir = path.dirname(resolvedPath(command));
    const stateDir = path.dirname(binDir);
    if (simulatorLayout(stateDir).binDir !== binDir) continue;
    parts.push({ what: `The ${tool} tool ${command} ([Tools]${source})`, stateDir });
  }
  return parts.filter((part) => existsSync(simulatorLayout(part.stateDir).libraryFile));
}

/**
 * Throws SIMULATED_LIBRARY_MIXED unless every drive device of a configuration whose changer is
 * the simulated library in `stateDir` is one of that library's drives, and no tool is another
 * simulated library's: a real drive beside a simulated changer would have its real tapes
 * recorded as simulated loop images, and another library's drive or tools would move tapes the
 * changer does not know of.
 */
function requireOneSimulatedLibrary(config: PytarchiveConfig, stateDir: string): void {
  const parts = simulatedPartsOf(config);
  const foreign =
    parts.find((part) => part.stateDir !== stateDir) ??
    config.device.drives
      .filter((drive) => !parts.some((part) => part.drive === drive.element))
      .map((drive) => ({
        what: `The drive device ${drive.device} ([Drive ${drive.element}] device)`,
        stateDir: null,
      }))[0];
  if (foreign === undefined) return;
  throw new PytarchiveError(
    "SIMULATED_LIBRARY_MIXED",
    `[Device] library names the changer of the simulated library in ${stateDir}, but ${foreign.what.replace(/^The/, "the")} ${foreign.stateDir === null ? "is not one of its drives" : `belongs to the simulated library in ${foreign.stateDir}`}; pytarchive did not start, so that no tape is recorded on the wrong library.`,
    {
      hint: `Take the [Tools], [Device] and [Drive n] lines of that library together: \`pytarchive-sim env --state ${stateDir}\` prints them. For the real library, set [Device] library to its changer (\`lsscsi -g\`) and leave out simulate.`,
    },
  );
}

/** The path with symlinks resolved when it exists (a link to the simulator's changer counts). */
function resolvedPath(device: string): string {
  try {
    return realpathSync(device);
  } catch {
    return path.resolve(device);
  }
}
