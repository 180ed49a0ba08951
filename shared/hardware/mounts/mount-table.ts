import path from "node:path";
import { MountTableUnparseableError } from "./errors.ts";

/** One mounted file system. */
export interface MountEntry {
  /** What is mounted: "ltfs:/dev/sg3", "/dev/sda1", "server:/export". */
  readonly source: string;
  /** Where, with escapes decoded ("/mnt/my tape", not "/mnt/my\040tape"). */
  readonly mountPoint: string;
  /** "fuse.ltfs", "fuse", "ext4" … */
  readonly fsType: string;
  readonly options: readonly string[];
  readonly readOnly: boolean;
}

/**
 * Parses /proc/mounts (or /etc/mtab): `source mountpoint type options dump pass`, with spaces,
 * tabs, newlines and backslashes in fields written as octal escapes (`\040`).
 *
 * @example
 * parseMountTable("ltfs:/dev/sg3 /mnt/ltfs fuse.ltfs rw,nosuid,nodev 0 0\n")
 * // [{ source: "ltfs:/dev/sg3", mountPoint: "/mnt/ltfs", fsType: "fuse.ltfs", options: ["rw", "nosuid", "nodev"], readOnly: false }]
 */
export function parseMountTable(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const [source, mountPoint, fsType, options] = line.trim().split(/\s+/);
    if (source === undefined || mountPoint === undefined || fsType === undefined) {
      throw new MountTableUnparseableError("mount table", line);
    }
    entries.push(
      entry(
        decodeMountField(source),
        decodeMountField(mountPoint),
        decodeMountField(fsType),
        decodeMountField(options ?? ""),
      ),
    );
  }
  return entries;
}

// util-linux `mount` / `mount -l`: `source on mountpoint type fstype (options) [label]`.
const MOUNT_LIST_LINE = /^(.*) on (.*) type (\S+) \(([^)]*)\)(?: \[.*\])?$/;

/**
 * Parses the listing printed by `mount` or `mount -l` (paths are printed as they are, so a path
 * containing " on " or " type " is ambiguous; prefer /proc/mounts).
 *
 * @example
 * parseMountList("ltfs:/dev/IBMtape0 on /opt/VS/vsMounts/858ABUL5 type fuse (rw,nosuid)")[0]?.fsType // "fuse"
 */
export function parseMountList(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const match = MOUNT_LIST_LINE.exec(line.trimEnd());
    if (!match) throw new MountTableUnparseableError("`mount -l`", line);
    const [, source = "", mountPoint = "", fsType = "", options = ""] = match;
    entries.push(entry(source, mountPoint, fsType, options));
  }
  return entries;
}

/**
 * The file system mounted exactly at `mountPoint`, or null. When several are stacked there, the
 * last one (the one on top, which a process sees) is returned. Trailing slashes are ignored.
 *
 * @example
 * findMount(parseMountTable(text), "/mnt/ltfs/")?.source // "ltfs:/dev/sg3"
 */
export function findMount(entries: readonly MountEntry[], mountPoint: string): MountEntry | null {
  const wanted = normalizeMountPoint(mountPoint);
  return entries.findLast((e) => normalizeMountPoint(e.mountPoint) === wanted) ?? null;
}

/**
 * Whether this mount looks like LTFS: type `fuse.ltfs`, or a source starting with `ltfs`
 * (`ltfs:/dev/sg3`; older FUSE stacks show plain type `fuse`).
 *
 * @example
 * isLtfsMount({ source: "ltfs:/dev/IBMtape0", fsType: "fuse", … }) // true
 */
export function isLtfsMount(entry: Pick<MountEntry, "source" | "fsType">): boolean {
  return entry.fsType === "fuse.ltfs" || entry.source.startsWith("ltfs");
}

/** Decodes the octal escapes the kernel writes for space, tab, newline and backslash. */
export function decodeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}

function entry(source: string, mountPoint: string, fsType: string, options: string): MountEntry {
  const optionList = options === "" ? [] : options.split(",");
  return { source, mountPoint, fsType, options: optionList, readOnly: optionList.includes("ro") };
}

function normalizeMountPoint(mountPoint: string): string {
  return path.posix.normalize(mountPoint).replace(/(.)\/+$/, "$1");
}
