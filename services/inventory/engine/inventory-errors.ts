/**
 * Codes the inventory engine throws with. Stable: the CLI and scripts match on them; retired
 * codes are not reused.
 */
export const INVENTORY_ERROR_CODES = {
  /** A source folder given as a relative path. */
  folderNotAbsolute: "PATH_NOT_ABSOLUTE",
  /** The caller's signal aborted the inventory. */
  aborted: "INVENTORY_ABORTED",
  /** `stat` or `du` could not measure one subfolder; the report lists it as unreadable. */
  probeFailed: "INVENTORY_PROBE_FAILED",
} as const;

export type InventoryErrorCode = (typeof INVENTORY_ERROR_CODES)[keyof typeof INVENTORY_ERROR_CODES];
