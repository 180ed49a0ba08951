export {
  checkFolderToPrepare,
  checkNotBeingRestored,
  checkRestoreTarget,
  type KnownFolder,
  type OwnFolders,
  type PendingRestore,
} from "./originals-rule.ts";
