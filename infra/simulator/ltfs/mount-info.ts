import fs from "node:fs";
import path from "node:path";

/** One line of /proc/self/mountinfo. */
export interface MountInfoEntry {
  readonly mountId: number;
  /** The device of the mounted file system, "major:minor" (e.g. "7:3" for /dev/loop3). */
  readonly majorMinor: string;
  readonly mountPoint: string;
  readonly fsType: string;
  /** What /proc/mounts shows as the source, e.g. "ltfs:/srv/sim/drives/0". */
  readonly source: string;
  readonly readOnly: boolean;
}

/** Undoes the kernel's octal escapes (`\040` for a space, `\011`, `\012`, `\134`). */
export function decodeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}

/**
 * Parses mountinfo: `id parent major:minor root mountpoint options [optional…] - type source
 * superoptions`. Unlike /proc/mounts it names the device numerically and gives each mount an
 * id, so a daemon can watch its own mount even when another is stacked on the same directory.
 */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const separator = fields.indexOf("-");
    if (separator < 6) continue;
    const [id, , majorMinor, , mountPoint, options] = fields;
    const fsType = fields[separator + 1];
    const source = fields[separator + 2];
    if (!id || !majorMinor || !mountPoint || !options || !fsType || source === undefined) continue;
    entries.push({
      mountId: Number(id),
      majorMinor,
      mountPoint: decodeMountField(mountPoint),
      fsType,
      source: decodeMountField(source),
      readOnly: options.split(",").includes("ro"),
    });
  }
  return entries;
}

export function readMountInfo(file = "/proc/self/mountinfo"): MountInfoEntry[] {
  return parseMountInfo(fs.readFileSync(file, "utf8"));
}

/** Whether something is mounted on `dir` (compared after resolving symlinks when possible). */
export function isMountPoint(dir: string, entries: readonly MountInfoEntry[] = readMountInfo()) {
  const wanted = resolvedPath(dir);
  return entries.some((entry) => entry.mountPoint === wanted);
}

export function resolvedPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}
