import { getAttribute } from "@napi-rs/xattr";
import { volumeSerialFromBarcode } from "../../shared/hardware/ltfs/index.ts";

/*
 * Which tape a mount is. LTFS shows its volume's serial (given at format, from the barcode) and
 * the UUID mkltfs made as virtual extended attributes of the mount root, on the real stack and
 * the simulated one alike; they are read the same way before an unmount and after a mount, so
 * that the two can be compared.
 */

/** What identifies an LTFS volume; null where LTFS does not say. */
export interface VolumeIdentity {
  readonly volumeSerial: string | null;
  readonly volumeUuid: string | null;
}

const SERIAL_ATTRIBUTE = "user.ltfs.volumeSerial";
const UUID_ATTRIBUTE = "user.ltfs.volumeUUID";

/** The identity of the volume mounted at `mountPoint`; nulls where it cannot be read. */
export async function readVolumeIdentity(mountPoint: string): Promise<VolumeIdentity> {
  return {
    volumeSerial: await readText(mountPoint, SERIAL_ATTRIBUTE),
    volumeUuid: await readText(mountPoint, UUID_ATTRIBUTE),
  };
}

async function readText(file: string, name: string): Promise<string | null> {
  try {
    const value = await getAttribute(file, name);
    const text = value?.toString("utf8").trim() ?? "";
    return text === "" ? null : text;
  } catch {
    // Not there (an older LTFS, no serial given at format): nothing to compare by.
    return null;
  }
}

/** The serial pytarchive gives a tape it formats, or null for a barcode it cannot derive one from. */
export function serialOfBarcode(barcode: string): string | null {
  try {
    return volumeSerialFromBarcode(barcode);
  } catch {
    return null;
  }
}

/**
 * Whether `found` is the volume `expected` names: "different" as soon as a serial or a UUID
 * known on both sides differs, "same" when at least one of them matched, "unknown" when nothing
 * could be compared.
 */
export function compareVolumes(
  expected: VolumeIdentity,
  found: VolumeIdentity,
): "same" | "different" | "unknown" {
  const pairs = [
    [expected.volumeSerial, found.volumeSerial],
    [expected.volumeUuid, found.volumeUuid],
  ].filter((pair): pair is [string, string] => pair[0] !== null && pair[1] !== null);
  if (pairs.some(([want, got]) => want !== got)) return "different";
  return pairs.length > 0 ? "same" : "unknown";
}
