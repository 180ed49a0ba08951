import type { ScsiDevice } from "../../shared/hardware/lsscsi/index.ts";
import type { DriveMatch, MatchBasis } from "./match-drives.ts";

/** A drive as discover found it. */
export interface DiscoveredDrive {
  readonly scsi: ScsiDevice;
  /** The device LTFS and tapeinfo open: the SCSI generic node, else the st node. */
  readonly device: string;
  readonly serial: string | null;
  /** Why tapeinfo told nothing (busy, failed), or null. */
  readonly tapeinfoProblem: string | null;
  /** `/dev/tape/by-id` names that lead to this drive's nodes. */
  readonly stableNames: readonly string[];
  readonly match: DriveMatch;
}

export interface DiscoveredLibrary {
  readonly changer: ScsiDevice;
  /** The changer device for `mtx -f`. */
  readonly changerDevice: string;
  /** The simulated library's folder when the changer is a pytarchive-sim one, else null. */
  readonly simulatedLibrary: string | null;
  /** Why `mtx status` told nothing, or null. */
  readonly mtxProblem: string | null;
  readonly otherChangers: readonly ScsiDevice[];
  readonly drives: readonly DiscoveredDrive[];
  readonly toolsFolder: string | null;
  /** Mount point of drive n: `<prefix><n>`. */
  readonly mountPrefix: string;
}

const BASIS_WORDS: Readonly<Record<MatchBasis, string>> = {
  "only-drive": "the library's only drive",
  loaded: "the only drive with a tape ready, and the only full Data Transfer Element",
  empty: "the only drive without a tape, and the only empty Data Transfer Element",
  "address-order":
    "ASSUMED from the SCSI address order (mtx status and tapeinfo could not tell); check it: `mtx -f CHANGER load SLOT N`, then `tapeinfo -f DEVICE` shows Ready: yes on drive N",
  "no-element":
    "NOT FOUND among the changer's Data Transfer Elements (a drive of another library?); set element = by hand",
};

function describeScsi(device: ScsiDevice): string {
  return `${device.vendor} ${device.product} ${device.revision} at [${device.address}]`;
}

/**
 * The starter pytarchive.conf lines for a discovered library: `[Tools]` (when a tools folder
 * was given), `[Device]` and one `[Drive N]` per drive, with comments saying where each value
 * came from and which ones are guesses.
 */
export function formatStarterConfig(library: DiscoveredLibrary, writtenAt: Date): string {
  const lines = [
    `# Starter pytarchive.conf lines written by infra/scripts/discover on ${writtenAt.toISOString()}`,
    "# from lsscsi -g, mtx status and tapeinfo. Read the comments, then paste into",
    "# /etc/pytarchive/pytarchive.conf beside [General] and [Export].",
  ];
  if (library.toolsFolder !== null) {
    lines.push("", "[Tools]", `path = ${library.toolsFolder}`);
  }
  lines.push("", "[Device]", `# changer: ${describeScsi(library.changer)}`);
  for (const other of library.otherChangers) {
    lines.push(
      `# another changer: ${describeScsi(other)}, ${other.device ?? other.genericDevice ?? "no device"} (one pytarchive per library: give it its own configuration and [NATS] library_id)`,
    );
  }
  lines.push(`library = ${library.changerDevice}`);
  if (library.simulatedLibrary !== null) {
    lines.push(
      `# a simulated library (pytarchive-sim) in ${library.simulatedLibrary}: its tapes are marked simulated`,
      "simulate = yes",
    );
  }
  if (library.mtxProblem !== null) lines.push(`# mtx status failed: ${library.mtxProblem}`);
  const sorted = [...library.drives].sort(
    (a, b) =>
      (a.match.element ?? Number.MAX_SAFE_INTEGER) - (b.match.element ?? Number.MAX_SAFE_INTEGER),
  );
  sorted.forEach((drive, position) => {
    const number = drive.match.element ?? library.drives.length + position;
    lines.push(
      "",
      `[Drive ${number}]`,
      `# ${describeScsi(drive.scsi)}${drive.scsi.device === null ? "" : `, ${drive.scsi.device}`}`,
      `# Data Transfer Element ${drive.match.element ?? "?"}: ${BASIS_WORDS[drive.match.basis]}`,
      ...drive.stableNames.map((name) => `# stable name: ${name}`),
    );
    if (drive.match.element === null) lines.push("# element = ?");
    lines.push(`device = ${drive.device}`);
    if (drive.serial !== null) {
      lines.push(`serial = ${drive.serial}`);
      if (library.simulatedLibrary === null) {
        lines.push(
          `# LTFS also takes the serial as the device (device = ${drive.serial}): it survives renumbering of /dev/sg*`,
        );
      }
    } else {
      lines.push(`# serial unknown: ${drive.tapeinfoProblem ?? "tapeinfo printed none"}`);
    }
    lines.push(`mount_point = ${library.mountPrefix}${number}`);
  });
  if (library.drives.length === 0) {
    lines.push("", "# lsscsi -g lists no tape drive: pytarchive needs at least one [Drive N].");
  }
  return `${lines.join("\n")}\n`;
}
