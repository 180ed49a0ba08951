export {
  LEGACY_FOLDER_STATES,
  type LegacyFolder,
  type LegacyFolderState,
  parseLegacyDatabase,
} from "./legacy-database.ts";
export {
  type LegacyDryRun,
  type LegacyFileNames,
  type LegacyImportFolder,
  type LegacyImportJob,
  type LegacyPlan,
  type LegacyProblem,
  planLegacyImport,
} from "./legacy-plan.ts";
export { type LegacyTask, type LegacyValue, parseLegacyQueue } from "./legacy-queue.ts";
export { legacyTimeToIso, localWallTimeToDate } from "./legacy-time.ts";
