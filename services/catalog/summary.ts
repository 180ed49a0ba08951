import type { Kysely } from "kysely";
import type { SummaryReply } from "../../shared/messages/index.ts";
import {
  type CatalogSchema,
  listPreparedFolders,
  listTapesWithFolders,
  roomKiBOf,
} from "./db/index.ts";
import { failedVerifications } from "./failed-verifications.ts";
import { pendingJobsOf } from "./pending-jobs.ts";
import { suggestTape } from "./suggest-tape.ts";
import { writableTapeRooms } from "./tape-room.ts";
import { isoOrNull, tapeCapacityKiB, tapeUsedKiB } from "./to-wire.ts";

/** Folders being archived now (their archive job started), the oldest first. */
function listArchivingFolders(db: Kysely<CatalogSchema>) {
  return db
    .selectFrom("folders")
    .selectAll()
    .where("state", "=", "archiving")
    .orderBy("id")
    .execute();
}

/**
 * What `pytarchive summary` shows in library `libraryId`: each of its data tapes with its fill
 * and archived folders, each prepared folder (folders are the site's, whichever library
 * prepared them) with a suggested tape of this library, and this library's archive jobs. The
 * suggestion counts what queued archive jobs will write, so it never names a tape that
 * `archive` would then refuse as too full.
 */
export async function buildSummary(
  db: Kysely<CatalogSchema>,
  tapeMaxSizeKiB: number,
  libraryId: string,
): Promise<SummaryReply> {
  const [tapes, preparedOrQueued, writable, preparing, archiveJobs] = await Promise.all([
    listTapesWithFolders(db, libraryId),
    listPreparedFolders(db),
    writableTapeRooms(db, tapeMaxSizeKiB, libraryId),
    db
      .selectFrom("folders")
      .select(["path", "description"])
      .where("state", "=", "preparing")
      .orderBy("createdAt")
      .orderBy("id")
      .execute(),
    pendingJobsOf(db, ["archive"]),
  ]);
  // A prepared folder whose archive job is queued or running is shown as queued for archiving,
  // with its tape, as the original's summary did; a failed archive leaves it prepared.
  const archiveOf = new Map(
    archiveJobs
      .filter((job) => job.state !== "failed" && typeof job.args.folder === "string")
      .map((job) => [job.args.folder as string, job]),
  );
  const prepared = preparedOrQueued.filter((folder) => !archiveOf.has(folder.path));
  const archiving = [...preparedOrQueued, ...(await listArchivingFolders(db))].flatMap((folder) => {
    const job = archiveOf.get(folder.path);
    // Another library's archive job is listed by that library's summary.
    return job === undefined || job.libraryId !== libraryId
      ? []
      : [
          {
            path: folder.path,
            description: folder.description,
            sizeKiB: folder.sizeKib ?? 0,
            measuredAt: isoOrNull(folder.measuredAt),
            tape: String(job.args.tape),
            jobId: job.id,
            state: job.state,
          },
        ];
  });
  const failed = await failedVerifications(
    db,
    tapes.flatMap((tape) =>
      tape.folders.filter((folder) => folder.state === "archived" && folder.verifiedAt === null),
    ),
  );
  const summaryTapes = tapes.map((tape) => {
    const capacityKiB = tapeCapacityKiB(tape, tapeMaxSizeKiB);
    const usedKiB = tapeUsedKiB(tape, tape.archivedKib);
    return {
      barcode: tape.barcode,
      simulated: tape.simulated,
      usedKiB,
      capacityKiB,
      percent: capacityKiB === 0 ? 0 : Math.round((usedKiB / capacityKiB) * 1000) / 10,
      folders: tape.folders
        .filter((folder) => folder.state === "archived")
        .map((folder) => ({
          path: folder.path,
          name: folder.targetName ?? folder.path,
          sizeKiB: folder.sizeKib ?? 0,
          description: folder.description,
          archivedAt: isoOrNull(folder.archivedAt),
          // Its one copy is on this tape.
          simulated: tape.simulated,
          verified: folder.verifiedAt !== null,
          // Said only when true, so that the usual folder reads as before.
          ...(failed.has(folder.path) ? { verifyFailed: true as const } : {}),
          ...(folder.checksumsFrom === "tape" ? { checksumsFrom: "tape" as const } : {}),
        })),
    };
  });
  return {
    tapeMaxSizeKiB,
    tapes: summaryTapes,
    prepared: prepared.map((folder) => ({
      path: folder.path,
      description: folder.description,
      sizeKiB: folder.sizeKib ?? 0,
      fileCount: folder.fileCount,
      compressed: folder.compressed,
      // Room by apparent size: LTFS stores sparse files in full.
      suggestedTape: suggestTape(writable, roomKiBOf(folder)),
      measuredAt: isoOrNull(folder.measuredAt),
    })),
    preparing,
    archiving,
  };
}
