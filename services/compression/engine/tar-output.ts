/** Marks our `--checkpoint-action=echo` lines on tar's stderr. */
export const CHECKPOINT_TAG = "pytarchive-checkpoint";

const CHECKPOINT_LINE = new RegExp(`(?:^|: )${CHECKPOINT_TAG} (\\d+)$`);

/**
 * Records tar has handled so far, from one of our checkpoint lines on its stderr
 * (`tar: pytarchive-checkpoint 50`), or null for any other line. GNU tar's `%u` counts records
 * (every `--checkpoint=N`th is printed), not checkpoints.
 */
export function parseCheckpointRecords(line: string): number | null {
  const match = CHECKPOINT_LINE.exec(line.trim());
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** `Total bytes written: 10240 (10KiB, 30MiB/s)` (from `--totals`, LC_ALL=C) → 10240. */
export function parseTotalBytesLine(line: string): number | null {
  const match = /^Total bytes (?:written|read): (\d+)/.exec(line.trim());
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** stderr lines that say nothing about a failure: our progress, the totals, tar's sign-off. */
export function isTarNoise(line: string): boolean {
  return (
    parseCheckpointRecords(line) !== null ||
    parseTotalBytesLine(line) !== null ||
    /Exiting with failure status due to previous errors/.test(line)
  );
}

/** Kinds of archive member, from the first character of a `tar --list --verbose` line. */
export type ArchiveEntryKind = "file" | "directory" | "symlink" | "other";

/**
 * `-rw-r--r-- 0/0 3 2026-11-26 04:50 alpha/a` → "file"; null for an empty line. Hard links
 * (`h`) are files, as each of their names is a file in the folder; so are GNU sparse (`S`) and
 * contiguous (`C`) members.
 */
export function archiveEntryKind(listingLine: string): ArchiveEntryKind | null {
  const type = listingLine[0];
  if (type === undefined) return null;
  if ("-hSC".includes(type)) return "file";
  if (type === "d") return "directory";
  if (type === "l") return "symlink";
  return "other";
}
