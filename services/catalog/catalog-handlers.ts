import type { Kysely } from "kysely";
import type {
  CatalogOperation,
  CatalogReply,
  CatalogRequest,
} from "../../shared/messages/index.ts";
import {
  recordArchivedFiles,
  recordFolderArchived,
  recordFolderArchiving,
  refreshFileStatistics,
} from "./archive-outcomes.ts";
import { CATALOG_REFUSAL_CODES, refuse } from "./catalog-errors.ts";
import { abortJobsWithEvents, requeueJobsWithEvents } from "./change-jobs.ts";
import { createCheckedJob } from "./create-checked-job.ts";
import {
  type CatalogSchema,
  findFolderByPath,
  getJob,
  inBackground,
  type JsonObject,
  listEvents,
  listHistory,
  listQueue,
} from "./db/index.ts";
import { listDeleteableCandidates } from "./deleteable-candidates.ts";
import { listFolderFiles } from "./folder-files.ts";
import { recordFolderFailed, recordFolderPrepared } from "./folder-outcomes.ts";
import { recordFolderVerification } from "./folder-verification.ts";
import type { RecordedJobEvent } from "./job-events.ts";
import {
  acknowledgeAbortWithEvents,
  claimJobWithEvents,
  failJobWithEvents,
  finishJobWithEvents,
  recordJobProgress,
} from "./job-lifecycle.ts";
import { readJobStatistics } from "./job-statistics.ts";
import { importLegacyEntries } from "./legacy-import.ts";
import { jobInOtherLibrary } from "./other-library.ts";
import { jobsWithProgressFigures } from "./progress-figures.ts";
import { buildSummary } from "./summary.ts";
import { getTapeContents } from "./tape-contents.ts";
import { recordFolderImport, recordFolderImported, recordImportedFiles } from "./tape-imports.ts";
import { recordJobFailing, startJobWithEvents } from "./tape-job-lifecycle.ts";
import { updateTapeFindings } from "./tape-update.ts";
import { listTapes, type MovedTape, recordCartridges } from "./tapes-view.ts";
import { folderToWire, jobToWire } from "./to-wire.ts";

export interface CatalogDependencies {
  readonly db: Kysely<CatalogSchema>;
  /**
   * `[NATS] library_id`: the library this catalog service answers for. Several libraries may
   * share one database: queue, history, claims, tapes, summary and metrics are this library's;
   * folders are the site's.
   */
  readonly libraryId: string;
  /** `[General] tape_max_size`: the capacity of a tape that reported none itself. */
  readonly tapeMaxSizeKiB: number;
  /** `[General] scratch_path`: no restore may write into it, no prepare may read it. */
  readonly scratchPath?: string;
  /** `[Paths] state_dir`: likewise pytarchive's own, never an original nor a restore target. */
  readonly stateFolder?: string;
  /** Each drive's mount point: a restore there would write onto another tape. */
  readonly mountPoints?: readonly string[];
  /** Announces job events after their transaction committed (never throws). */
  readonly publish: (events: readonly RecordedJobEvent[]) => Promise<void>;
  /** Told of tapes an inventory found here that the catalog had in another library. */
  readonly onTapesMoved?: (moved: readonly MovedTape[]) => void;
}

export type CatalogHandlers = {
  readonly [O in CatalogOperation]: (request: CatalogRequest<O>) => Promise<CatalogReply<O>>;
};

/**
 * One handler per catalog operation; no sockets here, so tests can call them directly.
 *
 * @example
 * const handlers = createCatalogHandlers({ db, libraryId: "default", tapeMaxSizeKiB: 17138671616, publish: async () => {} });
 * const { job } = await handlers["job-create"]({ kind: "inventory", args: { folders: ["/srv"] } });
 */
export function createCatalogHandlers(deps: CatalogDependencies): CatalogHandlers {
  return guardJobLibrary(deps.db, deps.libraryId, createLibraryHandlers(deps));
}

function createLibraryHandlers(deps: CatalogDependencies): CatalogHandlers {
  const { db, libraryId, tapeMaxSizeKiB, publish } = deps;
  return {
    queue: async () => {
      const queue = await listQueue(db, { libraryId });
      return {
        running: await jobsWithProgressFigures(db, queue.running),
        queued: queue.queued.map(jobToWire),
        failed: await jobsWithProgressFigures(db, queue.failed),
        recent: queue.recent.map(jobToWire),
      };
    },
    "jobs-history": async ({ failedOnly, since, limit }) => {
      const jobs = await listHistory(db, {
        libraryId,
        limit,
        ...(failedOnly === undefined ? {} : { failedOnly }),
        ...(since === undefined ? {} : { since: new Date(since) }),
      });
      return { jobs: jobs.map(jobToWire) };
    },
    "job-get": async ({ id }) => {
      const job = await getJob(db, id);
      return { job: job === null ? null : ((await jobsWithProgressFigures(db, [job]))[0] ?? null) };
    },
    "job-create": async ({ kind, args, priority }) => {
      const { job, events } = await createCheckedJob(
        db,
        { kind, args: args as JsonObject, ...(priority === undefined ? {} : { priority }) },
        {
          libraryId,
          tapeMaxSizeKiB,
          scratchPath: deps.scratchPath ?? "",
          stateFolder: deps.stateFolder ?? "",
          mountPoints: deps.mountPoints ?? [],
        },
      );
      await publish(events);
      return { job: jobToWire(job) };
    },
    "jobs-requeue": async ({ ids, all }) => {
      if ((ids === undefined) === (all !== true)) {
        throw refuse(
          CATALOG_REFUSAL_CODES.invalidArgument,
          "Give either job ids or all, not both and not neither.",
          "`pytarchive requeue ID...` or `pytarchive requeue --all`.",
        );
      }
      const { requeued, skipped, events } = await requeueJobsWithEvents(
        db,
        ids === undefined ? { allFailed: true } : { ids },
        {
          scratchPath: deps.scratchPath ?? "",
          stateFolder: deps.stateFolder ?? "",
          mountPoints: deps.mountPoints ?? [],
        },
        libraryId,
      );
      await publish(events);
      return { requeued: requeued.map(jobToWire), skipped };
    },
    "jobs-abort": async ({ ids }) => {
      const { aborted, stopRequested, tooLate, skipped, events } = await abortJobsWithEvents(
        db,
        ids,
        libraryId,
      );
      await publish(events);
      return {
        aborted: aborted.map(jobToWire),
        stopRequested: stopRequested.map(jobToWire),
        tooLate: tooLate.map(jobToWire),
        skipped,
      };
    },
    "folders-list": async () => ({
      folders: await db.selectFrom("folders").select(["path", "state"]).orderBy("path").execute(),
    }),
    "folder-get": async ({ path }) => {
      const folder = await findFolderByPath(db, path);
      return { folder: folder === null ? null : folderToWire(folder) };
    },
    summary: () => buildSummary(db, tapeMaxSizeKiB, libraryId),
    "tapes-list": async () => ({ tapes: await listTapes(db, tapeMaxSizeKiB, libraryId) }),
    "tapes-record": async ({ cartridges }) => {
      const recorded = await recordCartridges(db, cartridges, libraryId);
      if (recorded.moved.length > 0) deps.onTapesMoved?.(recorded.moved);
      return recorded;
    },
    "deleteable-candidates": async ({ ignore }) => ({
      folders: await listDeleteableCandidates(db, ignore ?? []),
    }),
    "job-statistics": () => readJobStatistics(db, libraryId),
    "events-list": async (filter) => {
      const events = await listEvents(db, { ...filter, libraryId });
      return {
        events: events.map((event) => ({
          id: event.id,
          jobId: event.jobId,
          kind: event.kind,
          payload: event.payload,
          createdAt: event.createdAt.toISOString(),
        })),
      };
    },
    "job-claim": async (input) => {
      const { job, events } = await claimJobWithEvents(db, input, libraryId);
      await publish(events);
      return { job: job === null ? null : jobToWire(job) };
    },
    "job-progress": async (input) => {
      const { job, events } = await recordJobProgress(db, input);
      await publish(events);
      return { job: job === null ? null : jobToWire(job) };
    },
    "job-finish": async (input) => {
      const { job, events } = await finishJobWithEvents(db, input);
      await publish(events);
      return { job: jobToWire(job) };
    },
    "job-fail": async (input) => {
      const { job, events } = await failJobWithEvents(db, input);
      await publish(events);
      return { job: jobToWire(job) };
    },
    "job-abort-ack": async (input) => {
      const { job, events } = await acknowledgeAbortWithEvents(db, input);
      await publish(events);
      return { job: jobToWire(job) };
    },
    "folder-prepared": async (input) => {
      const { folder, events } = await recordFolderPrepared(db, input);
      await publish(events);
      return { folder: folderToWire(folder) };
    },
    "folder-failed": async (input) => {
      const { folder, changed, events } = await recordFolderFailed(db, input);
      await publish(events);
      return { folder: folder === null ? null : folderToWire(folder), changed };
    },
    "job-start": async (input) => {
      const { job, events } = await startJobWithEvents(db, input);
      await publish(events);
      return { job: job === null ? null : jobToWire(job) };
    },
    "job-failing": async (input) => {
      const { job, events } = await recordJobFailing(db, input);
      await publish(events);
      return { job: jobToWire(job) };
    },
    "folder-archiving": async (input) => {
      const { folder, events } = await recordFolderArchiving(db, input);
      await publish(events);
      return { folder: folderToWire(folder) };
    },
    // Bulk work in the background lane: interactive queries go first between its transactions.
    "files-record": (input) => inBackground(() => recordArchivedFiles(db, input)),
    "folder-archived": async (input) => {
      const { folder, events } = await recordFolderArchived(db, input);
      await publish(events);
      // After the commit: the restore or verify that lists these files next is planned well.
      if (events.length > 0) await inBackground(() => refreshFileStatistics(db, input.fileCount));
      return { folder: folderToWire(folder) };
    },
    "folder-files": (input) => inBackground(() => listFolderFiles(db, input)),
    "tape-contents": ({ barcode }) => getTapeContents(db, barcode, tapeMaxSizeKiB),
    // `jobId` names who learnt it; tapes have no event kind yet, so nothing records it.
    "tape-update": ({ jobId: _jobId, ...findings }) =>
      updateTapeFindings(db, findings, tapeMaxSizeKiB),
    "legacy-import": async (input) => {
      const { reply, events } = await importLegacyEntries(db, input, {
        libraryId,
        tapeMaxSizeKiB,
        scratchPath: deps.scratchPath ?? "",
        stateFolder: deps.stateFolder ?? "",
        mountPoints: deps.mountPoints ?? [],
      });
      await publish(events);
      return reply;
    },
    "folder-import": (input) => recordFolderImport(db, input),
    "import-files-record": (input) => inBackground(() => recordImportedFiles(db, input)),
    "folder-import-done": async (input) => {
      const { folder, events } = await recordFolderImported(db, input);
      await publish(events);
      return { folder: folderToWire(folder) };
    },
    "folder-verified": async (input) => {
      const { folder, events } = await recordFolderVerification(db, input);
      await publish(events);
      return { folder: folderToWire(folder) };
    },
  };
}

/**
 * Refuses every request naming a job (`id` or `jobId`) of another library sharing the
 * database with JOB_IN_OTHER_LIBRARY, before its handler runs: `pytarchive watch ID` or a stray
 * report cannot read or change another library's job. A job's library never changes, so the
 * check needs no lock. Unknown ids go on to the handler, which answers as before.
 */
function guardJobLibrary(
  db: Kysely<CatalogSchema>,
  libraryId: string,
  handlers: CatalogHandlers,
): CatalogHandlers {
  const guarded = Object.entries(handlers).map(([op, handler]) => [
    op,
    async (request: unknown) => {
      const id = namedJobId(request);
      if (id !== null) {
        const job = await db
          .selectFrom("jobs")
          .select(["id", "libraryId"])
          .where("id", "=", id)
          .executeTakeFirst();
        if (job !== undefined && job.libraryId !== libraryId) {
          throw jobInOtherLibrary(job, libraryId, op === "job-get" ? "show" : "change");
        }
      }
      return (handler as (request: unknown) => Promise<unknown>)(request);
    },
  ]);
  return Object.fromEntries(guarded) as CatalogHandlers;
}

/** The job a request is about: its `id` (job operations) or `jobId` (reports), if any. */
function namedJobId(request: unknown): string | null {
  if (typeof request !== "object" || request === null) return null;
  const { id, jobId } = request as { id?: unknown; jobId?: unknown };
  if (typeof id === "string") return id;
  if (typeof jobId === "string") return jobId;
  return null;
}
