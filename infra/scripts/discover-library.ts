import fs from "node:fs";
import path from "node:path";
import { errorSpec, PytarchiveError } from "../../shared/errors/index.ts";
import { changersOf, parseLsscsi, tapeDrivesOf } from "../../shared/hardware/lsscsi/index.ts";
import { parseMtxStatus } from "../../shared/hardware/mtx/index.ts";
import { parseTapeinfo } from "../../shared/hardware/tapeinfo/index.ts";
import { simulatorLayout } from "../simulator/layout.ts";
import { type ElementFacts, matchDrivesToElements } from "./match-drives.ts";
import { runTool, type ToolOutput, toolCommand, toolMissing } from "./script-support.ts";
import type { DiscoveredLibrary } from "./starter-config.ts";

/** Where udev puts stable names of tape devices. */
export const TAPE_BY_ID = "/dev/tape/by-id";

export interface DiscoverOptions {
  readonly toolsFolder: string | null;
  readonly mountPrefix: string;
  readonly byIdFolder?: string;
}

function firstLine(output: ToolOutput): string {
  const line = `${output.stderr}\n${output.stdout}`.split("\n").find((text) => text.trim() !== "");
  return line?.trim() ?? `exit code ${output.exitCode}`;
}

/** The node with links resolved when it exists (udev's links are resolved the same way). */
function resolvedNode(node: string): string {
  try {
    return fs.realpathSync(node);
  } catch {
    return node;
  }
}

/** `/dev/tape/by-id` names whose link leads to one of `nodes` (st and nst count as one). */
function stableNamesOf(
  byId: ReadonlyMap<string, string>,
  nodes: readonly (string | null)[],
): string[] {
  const wanted = new Set(
    nodes.flatMap((node) =>
      node === null ? [] : [node, node.replace(/^\/dev\/st/, "/dev/nst")].map(resolvedNode),
    ),
  );
  return [...byId].filter(([, target]) => wanted.has(target)).map(([name]) => name);
}

function readByIdLinks(folder: string): Map<string, string> {
  const links = new Map<string, string>();
  let names: string[];
  try {
    names = fs.readdirSync(folder).sort();
  } catch {
    return links;
  }
  for (const name of names) {
    const link = path.join(folder, name);
    try {
      links.set(link, fs.realpathSync(link));
    } catch {
      // A dangling link names no device.
    }
  }
  return links;
}

/** The pytarchive-sim folder whose changer this is (`<state>/changer` beside library.json), or null. */
function simulatedLibraryOf(changerDevice: string): string | null {
  const layout = simulatorLayout(path.dirname(changerDevice));
  return layout.changerDevice === path.resolve(changerDevice) && fs.existsSync(layout.libraryFile)
    ? layout.stateDir
    : null;
}

/**
 * Finds the changer and drives of this machine: `lsscsi -g` lists them, `tapeinfo -f` gives
 * each drive's serial and whether a tape is in it, `mtx status` the changer's drive elements,
 * `/dev/tape/by-id` the stable names. Throws DISCOVER_NO_CHANGER when lsscsi shows none.
 */
export async function discoverLibrary(options: DiscoverOptions): Promise<DiscoveredLibrary> {
  const tool = (name: string) => toolCommand(options.toolsFolder, name);
  const listed = await runTool(tool("lsscsi"), ["-g"]);
  if (listed.exitCode === 127) {
    throw toolMissing("lsscsi", "Install it: `apt-get install lsscsi` (or give --tools-path).");
  }
  if (listed.exitCode !== 0) {
    throw new PytarchiveError("COMMAND_FAILED", `lsscsi -g failed: ${firstLine(listed)}`, {
      hint: "Run `lsscsi -g` by hand to see why.",
    });
  }
  const listing = parseLsscsi(listed.stdout);
  const [changer, ...otherChangers] = changersOf(listing);
  if (changer === undefined) {
    throw new PytarchiveError(
      "DISCOVER_NO_CHANGER",
      `lsscsi -g lists no medium changer (${tapeDrivesOf(listing).length} tape drive(s) seen).`,
      { hint: errorSpec("DISCOVER_NO_CHANGER").hint },
    );
  }
  const changerDevice = changer.device ?? changer.genericDevice;
  if (changerDevice === null) {
    throw new PytarchiveError(
      "DISCOVER_NO_CHANGER",
      `lsscsi -g lists the changer ${changer.vendor} ${changer.product} at [${changer.address}] without a device node.`,
      { hint: "Load the ch and sg kernel modules (`modprobe ch sg`), then run discover again." },
    );
  }
  const status = await runTool(tool("mtx"), ["-f", changerDevice, "status"]);
  let elements: ElementFacts[] | null = null;
  let mtxProblem: string | null = null;
  if (status.exitCode === 0) {
    try {
      elements = parseMtxStatus(status.stdout).drives.map(({ index, full }) => ({ index, full }));
    } catch (error) {
      mtxProblem = (error as Error).message;
    }
  } else {
    mtxProblem =
      status.exitCode === 127 ? "mtx is not installed (apt-get install mtx)" : firstLine(status);
  }
  const byId = readByIdLinks(options.byIdFolder ?? TAPE_BY_ID);
  const scsiDrives = tapeDrivesOf(listing);
  const reports = await Promise.all(
    scsiDrives.map(async (scsi) => {
      const device = (scsi.genericDevice ?? scsi.device) as string;
      const info = await runTool(tool("tapeinfo"), ["-f", device]);
      if (info.exitCode !== 0)
        return { device, serial: null, loaded: null, problem: firstLine(info) };
      const report = parseTapeinfo(info.stdout);
      return { device, serial: report.serial, loaded: report.ready, problem: null };
    }),
  );
  const matches = matchDrivesToElements(reports, elements);
  return {
    changer,
    changerDevice,
    simulatedLibrary: simulatedLibraryOf(changerDevice),
    mtxProblem,
    otherChangers,
    drives: scsiDrives.map((scsi, position) => {
      const report = reports[position] as (typeof reports)[number];
      return {
        scsi,
        device: report.device,
        serial: report.serial,
        tapeinfoProblem: report.problem,
        stableNames: stableNamesOf(byId, [scsi.device, scsi.genericDevice]),
        match: matches[position] as (typeof matches)[number],
      };
    }),
    toolsFolder: options.toolsFolder,
    mountPrefix: options.mountPrefix,
  };
}
