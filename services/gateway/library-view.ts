import { setTimeout as after } from "node:timers/promises";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { describeDuration, messageOf } from "../../shared/format/index.ts";
import { isCleaningTape, type LibraryStatus } from "../../shared/hardware/mtx/index.ts";
import type {
  CatalogReply,
  DriveLiveState,
  LibraryDrive,
  LibraryReply,
} from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import { describeJob } from "./describe-job.ts";

/** The library as the changer read it just now, with each drive's live state. */
export interface LiveLibrary {
  readonly library: LibraryStatus;
  readonly readAt: string;
  /** Absent when the changer answering is older and does not report drives. */
  readonly drives?: readonly DriveLiveState[] | undefined;
}

/** How long the view waits for the catalog's running tasks; after that it shows the library alone. */
const TASKS_WAIT_MS = 3_000;

const OFFLINE_HINT =
  "To look at the library without pytarchive, save `mtx -f <changer> status > status.txt` and run `pytarchive library --mtx-status-file status.txt`.";

/**
 * `pytarchive library`: a fresh `mtx status` from the changer, each drive's mounts and block as
 * the changer finds them now, and the running task that holds each drive (when the catalog
 * answers in time; otherwise a note says the tasks are not shown).
 *
 * @example
 * const reply = await libraryView({ readLiveLibrary, catalog });
 * reply.drives[0]; // { index: 0, barcode: "SIM001L9", sourceSlot: 1, mounted: true, blocked: null, job: { id: "3fa2b1c0", … }, … }
 */
export async function libraryView(deps: {
  readonly readLiveLibrary: () => Promise<LiveLibrary>;
  readonly catalog: CatalogClient;
  readonly simulated: boolean;
}): Promise<LibraryReply> {
  const notes: string[] = [];
  const [live, tasks] = await Promise.all([
    deps.readLiveLibrary().catch((error: unknown) => {
      throw inWordsOfTheLibrary(error);
    }),
    runningTasksByDrive(deps.catalog, notes),
  ]);
  const { device, driveCount, slotCount, importExportCount, truncated } = live.library;
  if (live.drives === undefined) {
    notes.push(
      "The changer service did not report mounts and blocked drives (an older version?): they are not shown.",
    );
  }
  return {
    device,
    simulated: deps.simulated,
    driveCount,
    slotCount,
    importExportCount,
    truncated: truncated === true,
    readAt: live.readAt,
    drives: live.library.drives.map((drive): LibraryDrive => {
      const state = live.drives?.find((candidate) => candidate.drive === drive.index);
      return {
        index: drive.index,
        full: drive.full,
        barcode: drive.barcode,
        sourceSlot: drive.sourceSlot,
        cleaning: isCleaningTape(drive.barcode),
        mountPoint: state?.mountPoint ?? null,
        mounted: state?.mounted ?? null,
        ltfsPids: [...(state?.ltfsPids ?? [])],
        blocked: state?.blocked ?? null,
        job: tasks.get(drive.index) ?? null,
      };
    }),
    slots: live.library.slots.map((slot) => ({
      index: slot.index,
      full: slot.full,
      barcode: slot.barcode,
      importExport: slot.importExport,
      cleaning: isCleaningTape(slot.barcode),
    })),
    notes,
  };
}

async function runningTasksByDrive(
  catalog: CatalogClient,
  notes: string[],
): Promise<Map<number, LibraryDrive["job"]>> {
  const byDrive = new Map<number, LibraryDrive["job"]>();
  let queue: CatalogReply<"queue"> | null;
  try {
    queue = await Promise.race([
      catalog.call("queue", {}),
      after(TASKS_WAIT_MS, null, { ref: false }),
    ]);
  } catch (error) {
    notes.push(
      `The catalog did not answer (${messageOf(error)}): the tasks using the drives are not shown.`,
    );
    return byDrive;
  }
  if (queue === null) {
    notes.push(
      `The catalog did not answer within ${describeDuration(TASKS_WAIT_MS)}: the tasks using the drives are not shown.`,
    );
    return byDrive;
  }
  for (const job of queue.running) {
    if (job.drive == null) continue;
    byDrive.set(job.drive, {
      id: job.id,
      kind: job.kind,
      description: describeJob(job.kind, job.args),
    });
  }
  return byDrive;
}

/**
 * The changer's silence in the operator's words: the shared request helper says "service not
 * running", which the CLI would take for the gateway itself.
 */
function inWordsOfTheLibrary(error: unknown): unknown {
  if (!(error instanceof PytarchiveError)) return error;
  if (error.code === "SERVICE_NOT_RUNNING") {
    return new PytarchiveError(
      "CHANGER_UNAVAILABLE",
      "The library cannot be shown: pytarchive's changer service is not running (nothing answers the library's status request).",
      {
        hint: `Start pytarchive with all its services (\`npm start\`, or \`systemctl start pytarchive\`), or the changer alone with \`npx tsx services/runner/main.ts --only changer\`. ${OFFLINE_HINT}`,
        cause: error,
      },
    );
  }
  if (error.code === "SERVICE_TIMEOUT") {
    return new PytarchiveError(
      "CHANGER_UNAVAILABLE",
      "The library cannot be shown: pytarchive's changer service did not answer in time.",
      {
        hint: `It may be waiting for the robot; check the changer's log and try again. ${OFFLINE_HINT}`,
        cause: error,
      },
    );
  }
  return error;
}
