/** One SCSI logical unit as `lsscsi` (or `lsscsi -g`) lists it. */
export interface ScsiDevice {
  /** `host:channel:target:lun`, e.g. "0:0:0:1". */
  readonly address: string;
  /** The numbers of `address`, for sorting and comparing. */
  readonly host: number;
  readonly channel: number;
  readonly target: number;
  readonly lun: number;
  /** lsscsi's short peripheral type: "tape", "mediumx" (a changer), "disk" … */
  readonly type: string;
  /** INQUIRY vendor, product and revision with their padding removed. */
  readonly vendor: string;
  readonly product: string;
  readonly revision: string;
  /** The upper-level driver's node (`/dev/st0`, `/dev/sch0`), or null when lsscsi shows `-`. */
  readonly device: string | null;
  /** The SCSI generic node (`/dev/sg3`) with `-g`; null without `-g` or when shown as `-`. */
  readonly genericDevice: string | null;
}

/** What a listing held: the devices, and any line that was not a device line (kept, not lost). */
export interface LsscsiListing {
  readonly devices: readonly ScsiDevice[];
  readonly unparsedLines: readonly string[];
}

// lsscsi prints fixed-width columns: the type (8), vendor (8) + space, model (16) + space,
// revision (4); the type and model may contain spaces ("sec man", "Ultrium 6-SCSI").
const DEVICE_LINE = /^\[(\d+):(\d+):(\d+):(\d+)\]\s+(.{8})(.{8}) (.{16}) (.{4})(.*)$/;

function nodeOrNull(column: string | undefined): string | null {
  return column === undefined || column === "-" ? null : column;
}

/**
 * Parses the output of `lsscsi` or `lsscsi -g` (one line per logical unit). The device columns
 * are split on whitespace: device nodes have none.
 *
 * @example
 * parseLsscsi("[0:0:0:1]    mediumx IBM      3573-TL          F.11  /dev/sch0  /dev/sg1\n").devices[0]
 * // { address: "0:0:0:1", type: "mediumx", vendor: "IBM", product: "3573-TL", device: "/dev/sch0", genericDevice: "/dev/sg1", … }
 */
export function parseLsscsi(text: string): LsscsiListing {
  const devices: ScsiDevice[] = [];
  const unparsedLines: string[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/\r$/, "");
    if (line.trim() === "") continue;
    const match = DEVICE_LINE.exec(line);
    const columns =
      match?.[9]
        ?.trim()
        .split(/\s+/)
        .filter((column) => column !== "") ?? [];
    if (!match || columns.length < 1 || columns.length > 2) {
      unparsedLines.push(line);
      continue;
    }
    const [host, channel, target, lun] = match.slice(1, 5).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    devices.push({
      address: `${host}:${channel}:${target}:${lun}`,
      host,
      channel,
      target,
      lun,
      type: (match[5] ?? "").trim(),
      vendor: (match[6] ?? "").trim(),
      product: (match[7] ?? "").trim(),
      revision: (match[8] ?? "").trim(),
      device: nodeOrNull(columns[0]),
      genericDevice: nodeOrNull(columns[1]),
    });
  }
  return { devices, unparsedLines };
}

/** Tape drives (`tape`) of a listing, in SCSI address order. */
export function tapeDrivesOf(listing: LsscsiListing): ScsiDevice[] {
  return sortedByAddress(listing.devices.filter((device) => device.type === "tape"));
}

/** Medium changers (`mediumx`) of a listing, in SCSI address order. */
export function changersOf(listing: LsscsiListing): ScsiDevice[] {
  return sortedByAddress(listing.devices.filter((device) => device.type === "mediumx"));
}

function sortedByAddress(devices: readonly ScsiDevice[]): ScsiDevice[] {
  return [...devices].sort(
    (a, b) => a.host - b.host || a.channel - b.channel || a.target - b.target || a.lun - b.lun,
  );
}
