export { MountTableUnparseableError } from "./errors.ts";
export {
  decodeMountField,
  findMount,
  isLtfsMount,
  type MountEntry,
  parseMountList,
  parseMountTable,
} from "./mount-table.ts";
export { readMountTable } from "./read-mount-table.ts";
export { type UmountOutcome, umountOutcome } from "./umount-outcome.ts";
