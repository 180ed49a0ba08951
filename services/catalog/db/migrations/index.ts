import type { Migration } from "kysely/migration";
import { initialSchema } from "./0001-initial.ts";
import { tapeJobsSchema } from "./0002-tape-jobs.ts";
import { simulatedTapesSchema } from "./0003-simulated-tapes.ts";
import { apparentSizeSchema } from "./0004-apparent-size.ts";
import { jobStateMachineSchema } from "./0005-job-state-machine.ts";
import { legacyImportSchema } from "./0006-legacy-import.ts";
import { filesKeysetOrderSchema } from "./0007-files-keyset-order.ts";
import { importTapeSchema } from "./0008-import-tape.ts";
import { librariesSchema } from "./0009-libraries.ts";
import { filesStatisticsSchema } from "./0010-files-statistics.ts";
import { currentStepSchema } from "./0011-current-step.ts";

/**
 * Every catalog migration, by name, as the catalog service of library `libraryId` runs them
 * (0009 gives the rows from before to that library). Kysely runs them in name order. Listed here
 * (not found by scanning the folder) so they load the same under tsx, a bundle or compiled JS.
 * Add a migration: a new file `NNNN-what.ts` and a line below; never edit one that has shipped.
 *
 * @example
 * const migrations = catalogMigrations(config.nats.libraryId);
 */
export function catalogMigrations(libraryId: string): Readonly<Record<string, Migration>> {
  return {
    "0001_initial": initialSchema,
    "0002_tape_jobs": tapeJobsSchema,
    "0003_simulated_tapes": simulatedTapesSchema,
    "0004_apparent_size": apparentSizeSchema,
    "0005_job_state_machine": jobStateMachineSchema,
    "0006_legacy_import": legacyImportSchema,
    "0007_files_keyset_order": filesKeysetOrderSchema,
    "0008_import_tape": importTapeSchema,
    "0009_libraries": librariesSchema(libraryId),
    "0010_files_statistics": filesStatisticsSchema,
    "0011_current_step": currentStepSchema,
  };
}
