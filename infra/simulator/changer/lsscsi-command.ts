import { parseArgs } from "node:util";
import { STATE_ENV_VARIABLE } from "../install-bin.ts";
import { simulatorLayout } from "../layout.ts";
import { readLibrary } from "../library-state.ts";
import type { InquiryData } from "./inquiry.ts";
import { DRIVE_INQUIRY } from "./tapeinfo-command.ts";
import { fatalError, runTool, type ToolIO } from "./tool-io.ts";

const PROGRAM = "lsscsi";

/** One line of the listing before it is laid out in lsscsi's columns. */
interface ListedUnit {
  readonly address: readonly [number, number, number, number];
  readonly type: "tape" | "mediumx";
  readonly inquiry: Pick<InquiryData, "vendor" | "product" | "revision">;
  /** The simulated device stands for both the upper-level node and the generic one. */
  readonly device: string;
}

/** lsscsi's columns (lsscsi 0.3x): address 13, type 8, vendor 8+1, model 16+1, revision 4, node 9. */
function formatLine(unit: ListedUnit, generic: boolean): string {
  const field = (value: string, width: number) => value.slice(0, width).padEnd(width, " ");
  const address = `[${unit.address.join(":")}]`;
  const start = [
    address.length >= 13 ? `${address} ` : address.padEnd(13, " "),
    field(unit.type, 8),
    `${field(unit.inquiry.vendor, 8)} `,
    `${field(unit.inquiry.product, 16)} `,
    field(unit.inquiry.revision, 4),
    "  ",
  ].join("");
  return generic
    ? `${start}${unit.device.padEnd(9, " ")}  ${unit.device}`
    : `${start}${unit.device}`;
}

/**
 * The simulated `lsscsi [-g]`: the library's drives and its changer, as a TL2000-like library
 * shows them (drive n at target n, the changer at LUN 1 behind drive 0), in address order.
 * The state folder comes from PYTARCHIVE_SIM_STATE, set by the wrapper.
 */
export function runLsscsi(
  args: readonly string[],
  io: ToolIO,
  env: NodeJS.ProcessEnv = process.env,
): number {
  return runTool(() => {
    let generic: boolean;
    try {
      const { values } = parseArgs({
        args: [...args],
        options: { generic: { type: "boolean", short: "g" } },
        allowPositionals: false,
      });
      generic = values.generic === true;
    } catch (error) {
      io.stderr(`${(error as Error).message}\n`);
      return fatalError(
        io,
        PROGRAM,
        "Usage: lsscsi [--generic|-g]  (the simulated lsscsi knows no other option)",
      );
    }
    const stateDir = env[STATE_ENV_VARIABLE];
    if (stateDir === undefined || stateDir === "") {
      fatalError(
        io,
        PROGRAM,
        `${STATE_ENV_VARIABLE} is not set: run the lsscsi of a simulated library's bin/ folder`,
      );
    }
    if (/\s/.test(stateDir)) {
      // Real device nodes have no spaces, and lsscsi's columns are split on whitespace.
      fatalError(
        io,
        PROGRAM,
        `the simulated library's folder '${stateDir}' contains whitespace, which lsscsi's columns cannot show; create it in a folder without spaces`,
      );
    }
    const layout = simulatorLayout(stateDir);
    const state = readLibrary(layout.stateDir);
    const units: ListedUnit[] = state.drives.map((drive) => ({
      address: [0, 0, drive.index, 0],
      type: "tape",
      inquiry: DRIVE_INQUIRY,
      device: layout.driveDevice(drive.index),
    }));
    units.push({
      address: [0, 0, 0, 1],
      type: "mediumx",
      inquiry: { vendor: state.vendor, product: state.product, revision: state.revision ?? "0100" },
      device: layout.changerDevice,
    });
    units.sort((a, b) => a.address[2] - b.address[2] || a.address[3] - b.address[3]);
    for (const unit of units) io.stdout(`${formatLine(unit, generic)}\n`);
    return 0;
  });
}
