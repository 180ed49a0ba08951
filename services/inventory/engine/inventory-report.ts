import type { AgeGroupId } from "./age-groups.ts";

/**
 * What takeInventory found. Plain data (times as ISO strings), so it can travel in a message
 * and be formatted anywhere.
 */
export interface InventoryReport {
  /** The `now` ages were taken against. */
  readonly takenAt: string;
  /** How long a subfolder had to answer. */
  readonly timeoutMs: number;
  /** In the order the folders were given. */
  readonly sources: readonly SourceInventory[];
  /** Over all source folders. */
  readonly totals: InventoryTotals;
}

export interface SourceInventory {
  /** The source folder, as given. */
  readonly folder: string;
  /** Why the folder could not be listed ("does not exist (ENOENT)"); null when it was. */
  readonly listError: string | null;
  /** Always the four groups, oldest first; each group's subfolders largest first. */
  readonly groups: readonly AgeGroupReport[];
  /** Subfolders that could not be measured, by path. */
  readonly unreadable: readonly UnreadableSubfolder[];
  readonly totals: InventoryTotals;
}

export interface AgeGroupReport {
  readonly id: AgeGroupId;
  readonly label: string;
  readonly subfolders: readonly MeasuredSubfolder[];
  readonly totalKiB: number;
}

export interface MeasuredSubfolder {
  readonly path: string;
  readonly name: string;
  /** KiB exactly as `du -s` printed them. */
  readonly sizeKiB: number;
  /** The subfolder's own mtime, ISO. */
  readonly lastChange: string;
  /** Whole days between lastChange and takenAt. */
  readonly ageDays: number;
}

export interface UnreadableSubfolder {
  readonly path: string;
  readonly name: string;
  /** In words: "did not answer within 10 s", or du's own messages. */
  readonly reason: string;
  /** What du counted before it gave up on parts of the folder; null when it counted nothing. */
  readonly partialSizeKiB: number | null;
  /** The subfolder's mtime, ISO, when it could be read. */
  readonly lastChange: string | null;
}

export interface GroupTotal {
  readonly id: AgeGroupId;
  readonly label: string;
  readonly count: number;
  readonly totalKiB: number;
}

export interface InventoryTotals {
  /** Oldest first, as AGE_GROUPS. */
  readonly groups: readonly GroupTotal[];
  /** Subfolders measured (the sum of the groups). */
  readonly measuredCount: number;
  readonly totalKiB: number;
  readonly unreadableCount: number;
  /** Source folders that could not be listed at all. */
  readonly unlistedCount: number;
}
