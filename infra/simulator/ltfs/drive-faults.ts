import { type Fault, takeFault } from "../faults.ts";
import { withLibraryLock } from "../library-state.ts";
import type { LoadedDrive } from "./drive-device.ts";

/**
 * Consumes an injected fault for this drive, if one waits (see faults.ts). The library lock
 * keeps two tools from consuming the same one-shot fault.
 */
export function takeDriveFault(
  drive: LoadedDrive,
  tool: "mkltfs" | "ltfs",
  kind: Fault["kind"],
): Fault | null {
  return withLibraryLock(drive.stateDir, () =>
    takeFault(drive.stateDir, { tool, kind, driveIndex: drive.driveIndex }),
  );
}
