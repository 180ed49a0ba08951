export { TIMED_OUT, withinTime } from "../../../shared/concurrency/index.ts";
export {
  AGE_GROUP_IDS,
  AGE_GROUPS,
  type AgeGroupDefinition,
  type AgeGroupId,
  ageGroupOf,
  DAY_MS,
} from "./age-groups.ts";
export { describeAge } from "./describe.ts";
export { type DiskUsage, duProbe, type FolderProbe } from "./folder-probe.ts";
export { type FormattedInventory, formatInventoryReport } from "./format-report.ts";
export { INVENTORY_ERROR_CODES, type InventoryErrorCode } from "./inventory-errors.ts";
export type {
  AgeGroupReport,
  GroupTotal,
  InventoryReport,
  InventoryTotals,
  MeasuredSubfolder,
  SourceInventory,
  UnreadableSubfolder,
} from "./inventory-report.ts";
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_SIZE_TIMEOUT_MS,
  type InventoryProgress,
  type TakeInventoryOptions,
  takeInventory,
} from "./take-inventory.ts";
