import { createHash } from "node:crypto";
import { truncateUtf8 } from "../../shared/format/index.ts";

/** Room left in a 255-byte file name for the hash and the suffix (`.tar.zst.partial`). */
const MAX_READABLE_BYTES = 200;

/**
 * The name of a folder's archive in scratch_path, without suffix: the last three parts of its
 * path joined by `_` (the tape name rule), then the first 8 hex digits of the path's SHA-256, so
 * that two folders ending in the same three parts never share (or overwrite) an archive.
 *
 * @example
 * scratchArchiveName("/srv/projects/2021/alpha"); // "projects_2021_alpha-1c0e5b2a" (hash varies)
 */
export function scratchArchiveName(folder: string): string {
  const parts = folder.split("/").filter((part) => part !== "");
  // A leading dot would hide the archive (and the engine refuses such names).
  const readable = truncateUtf8(parts.slice(-3).join("_"), MAX_READABLE_BYTES).replace(/^\.+/, "");
  const hash = createHash("sha256").update(folder).digest("hex").slice(0, 8);
  return `${readable === "" ? "folder" : readable}-${hash}`;
}
