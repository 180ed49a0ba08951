import path from "node:path";

/**
 * Where the simulated library keeps its state. Everything lives under one folder so that a
 * test can make a library of its own and throw it away.
 *
 *   <state>/library.json        drives, slots, import/export slots, barcodes, tape capacities
 *   <state>/changer             the changer "device" given to `mtx -f` (an empty file)
 *   <state>/drives/<n>          the drive's device name: a symlink to the loaded tape's folder,
 *                               absent while the drive is empty
 *   <state>/tapes/<barcode>/    one folder per cartridge; empty while the tape is blank
 *   <state>/faults.json         faults waiting to be injected (see faults.ts)
 *   <state>/exports             the NFS export table kept by the simulated exportfs
 *   <state>/bin/                the executables (mtx, tapeinfo, mkltfs, ltfs, ltfsck, exportfs, fuser)
 *   <state>/lock                held while a command changes library.json
 *   <state>/mnt/<n>/            default mount point of drive n (what `pytarchive-sim env` proposes)
 *   <state>/run/drive<n>.json   while drive n's tape is mounted: { pid, mountPoint, barcode, readOnly }
 *                               of the simulated ltfs process; removed when that process exits
 */
export interface SimulatorLayout {
  readonly stateDir: string;
  readonly libraryFile: string;
  readonly changerDevice: string;
  readonly drivesDir: string;
  readonly tapesDir: string;
  readonly faultsFile: string;
  readonly exportsFile: string;
  readonly binDir: string;
  readonly lockFile: string;
  readonly runDir: string;
  readonly mountDir: string;
  /** Mount record of drive n while its tape is mounted (see above). */
  mountRecord(driveIndex: number): string;
  driveDevice(driveIndex: number): string;
  tapeDir(barcode: string): string;
  /** Default mount point of drive n: `<state>/mnt/<n>`. */
  defaultMountPoint(driveIndex: number): string;
}

export function simulatorLayout(stateDir: string): SimulatorLayout {
  const root = path.resolve(stateDir);
  return {
    stateDir: root,
    libraryFile: path.join(root, "library.json"),
    changerDevice: path.join(root, "changer"),
    drivesDir: path.join(root, "drives"),
    tapesDir: path.join(root, "tapes"),
    faultsFile: path.join(root, "faults.json"),
    exportsFile: path.join(root, "exports"),
    binDir: path.join(root, "bin"),
    lockFile: path.join(root, "lock"),
    runDir: path.join(root, "run"),
    mountDir: path.join(root, "mnt"),
    mountRecord: (driveIndex) => path.join(root, "run", `drive${driveIndex}.json`),
    driveDevice: (driveIndex) => path.join(root, "drives", String(driveIndex)),
    tapeDir: (barcode) => path.join(root, "tapes", barcode),
    defaultMountPoint: (driveIndex) => path.join(root, "mnt", String(driveIndex)),
  };
}

/** The state folder of a drive device path (`<state>/drives/<n>`), and the drive's number. */
export function parseDriveDevice(device: string): { stateDir: string; driveIndex: number } | null {
  const resolved = path.resolve(device);
  const driveIndex = Number(path.basename(resolved));
  if (path.basename(path.dirname(resolved)) !== "drives" || !Number.isInteger(driveIndex)) {
    return null;
  }
  return { stateDir: path.dirname(path.dirname(resolved)), driveIndex };
}
