/** What the copy carries over: regular files, folders and symbolic links (as links). */
export const ENTRY_TYPES = ["file", "directory", "symlink"] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

/** Why an entry is not copied: LTFS stores no special files and only UTF-8 names. */
export const SKIP_REASONS = ["fifo", "socket", "device", "name-not-utf8"] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface SkippedEntry {
  /** Relative path; for a name that is not UTF-8, its bytes shown with replacement characters. */
  readonly path: string;
  readonly reason: SkipReason;
}
