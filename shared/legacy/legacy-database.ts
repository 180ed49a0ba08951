import {
  optionalBoolean,
  optionalCount,
  optionalText,
  optionalTime,
  requiredText,
} from "./legacy-fields.ts";
import { fieldsOf, LocatedJson, parseLocatedArray } from "./located-json.ts";

/**
 * The states the original's database holds: `preparing`, `prepared`, `archived` (what its code
 * writes), and `archiving_queued` and `archiving`, which its summary and older versions know.
 */
export const LEGACY_FOLDER_STATES = [
  "preparing",
  "prepared",
  "archiving_queued",
  "archiving",
  "archived",
] as const;
export type LegacyFolderState = (typeof LEGACY_FOLDER_STATES)[number];

/** Most KiB one folder can hold: 2^53 bytes. */
const MAX_KIB = 2 ** 43;

/** One entry of the original's database.json, as it wrote it (times as ISO local wall time). */
export interface LegacyFolder {
  /** 1-based line where the entry starts. */
  readonly line: number;
  readonly originalDirectory: string;
  readonly state: LegacyFolderState;
  readonly description: string;
  /** KiB from `du -s` (of the copy on tape once archived); null while preparing. */
  readonly sizeKiB: number | null;
  /** Absent on `preparing` entries: null. */
  readonly compressed: boolean | null;
  /** The tarball of a prepared compressed folder (next to the source); null otherwise. */
  readonly compressedPath: string | null;
  readonly tape: string | null;
  /** Relative to the LTFS root; a compressed one ends in `.tar.gz`. */
  readonly pathOnTape: string | null;
  readonly sizeQueried: string | null;
  readonly archived: string | null;
}

/**
 * Reads the original's `database.json`: every entry with its fields checked for type. A file
 * that is not what the original writes is refused (LEGACY_FILE_INVALID) naming the line and the
 * field; what the entries mean is judged later (planLegacyImport), entry by entry.
 *
 * @example parseLegacyDatabase("/var/lib/pytarchive/database.json", text)[0]?.originalDirectory
 */
export function parseLegacyDatabase(file: string, text: string): LegacyFolder[] {
  const json = new LocatedJson(file, text);
  return parseLocatedArray(json, text).map((value, index) => {
    const name = `entry ${index + 1}`;
    const entry = { json, line: value.line, name, fields: fieldsOf(json, value, name) };
    const originalDirectory = requiredText(entry, "original_directory", "the folder's path");
    const state = requiredText(entry, "state", "preparing, prepared or archived");
    if (!(LEGACY_FOLDER_STATES as readonly string[]).includes(state)) {
      throw json.invalid(
        entry.fields.get("state")?.line ?? value.line,
        `field "state" of ${name} must be one of ${LEGACY_FOLDER_STATES.join(", ")}, not ${JSON.stringify(state)}`,
      );
    }
    return {
      line: value.line,
      originalDirectory,
      state: state as LegacyFolderState,
      description: requiredText(entry, "description", "the folder's description"),
      sizeKiB: optionalCount(entry, "size", MAX_KIB),
      compressed: optionalBoolean(entry, "compressed"),
      compressedPath: optionalText(entry, "compressed_path"),
      tape: optionalText(entry, "tape"),
      pathOnTape: optionalText(entry, "path_on_tape"),
      sizeQueried: optionalTime(entry, "size_queried"),
      archived: optionalTime(entry, "archived"),
    };
  });
}
