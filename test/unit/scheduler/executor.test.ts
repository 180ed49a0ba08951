import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getJob, upsertTape } from "../../../services/catalog/db/index.ts";
import { type CatalogHandlers, createCatalogHandlers } from "../../../services/catalog/index.ts";
import type { ChangerLink, LibraryStatus } from "../../../services/scheduler/changer-link.ts";
import { createScheduler, type Scheduler } from "../../../services/scheduler/scheduler.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import type { MoveRequest } from "../../../shared/messages/changer-moves.ts";
import type { JobKind, WorkItem } from "../../../shared/messages/index.ts";
import type { CatalogClient } from "../../../shared/nats/catalog-client.ts";
import { tapeOfJob } from "../../../shared/steps/tape-job.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";

/*
 * The executor (createScheduler) carrying out the decisions against a real catalog (PGlite), with
 * the changer and the work queues as in-memory stand-ins that record what was sent: the way a
 * tape job's steps go out, the tape moves it asks for, and how the catalog ends the job.
 */

const TAPE = "AAA001L9";
const TEN_MINUTES = 600_000;
const AT = "2026-12-07T12:00:00.000Z";

let database: TestCatalogDatabase;
beforeAll(async () => {
  database = await pgliteDatabaseFactory.open();
});
beforeEach(async () => {
  await database.reset();
  await upsertTape(database.db, { libraryId: "default", barcode: TAPE, homeSlot: 1 });
});
afterAll(async () => {
  await database.close();
});

/** A changer that holds drive 0 and records the moves it is asked for. */
function standInChanger(held: { full: boolean; barcode: string | null }) {
  const moves: MoveRequest[] = [];
  let refuseNext: Error | null = null;
  let refuseAll: Error | null = null;
  const status: LibraryStatus = {
    device: "/dev/sch0",
    driveCount: 1,
    slotCount: 10,
    importExportCount: 0,
    drives: [{ index: 0, ...held, sourceSlot: null }],
    slots: [],
  };
  let statusReads = 0;
  const link: ChangerLink = {
    status: async () => {
      statusReads += 1;
      return status;
    },
    blockedDrives: async () => new Set(),
    move: async (move) => {
      const refusal = refuseNext ?? refuseAll;
      refuseNext = null;
      if (refusal !== null) throw refusal;
      moves.push(move);
    },
  };
  return {
    link,
    moves,
    /** How many times the library was read (`mtx status`). */
    statusReads: () => statusReads,
    refuseNextMove: (error: Error) => {
      refuseNext = error;
    },
    refuseEveryMove: (error: Error | null) => {
      refuseAll = error;
    },
  };
}

function startScheduler(kinds: JobKind[], changer?: ChangerLink) {
  const handlers = createCatalogHandlers({
    libraryId: "default",
    db: database.db,
    tapeMaxSizeKiB: 1_000_000,
    publish: async () => {},
  });
  /** Catalog operations that fail once (after letting some calls through), as when the catalog cannot be reached for a moment. */
  const failOnce = new Map<string, number>();
  const catalog: CatalogClient = {
    call: async (op, payload) => {
      const before = failOnce.get(op);
      if (before !== undefined) {
        if (before > 0) failOnce.set(op, before - 1);
        else {
          failOnce.delete(op);
          throw new PytarchiveError("CATALOG_UNREACHABLE", "the catalog did not answer");
        }
      }
      const answer = await (handlers[op] as unknown as (request: typeof payload) => Promise<never>)(
        payload,
      );
      // Read now, handed over later: the caller acts on what was true when it asked.
      const hold = held.get(op);
      if (hold !== undefined) {
        held.delete(op);
        hold.reached();
        await hold.released;
      }
      return answer;
    },
  };
  /** Catalog operations whose next answer is held back until released. */
  const held = new Map<string, { reached: () => void; released: Promise<void> }>();
  /** Holds the next answer to `op`: `reached` resolves once it is read; `release` hands it over. */
  const holdNextAnswer = (op: string) => {
    let release = () => {};
    let reached = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const wasReached = new Promise<void>((resolve) => {
      reached = resolve;
    });
    held.set(op, { reached, released });
    return { reached: wasReached, release };
  };
  const sent: string[] = [];
  const clock = { now: Date.parse(AT) };
  const scheduler: Scheduler = createScheduler({
    catalog,
    dispatch: async (service: string, item: WorkItem) => {
      sent.push(`${service}/${item.step}`);
    },
    log: createLogger({ service: "scheduler", stream: { write: () => true } }),
    kinds,
    driveFreeConcurrency: 1,
    stallTimeoutMs: TEN_MINUTES,
    worker: "scheduler@test",
    now: () => clock.now,
    ...(changer === undefined
      ? {}
      : { changer, drives: [0], tapeOf: (job) => tapeOfJob(job, catalog) }),
  });
  const settle = async () => {
    // A step done without a move is handled after the call that decided it: wait for it.
    await scheduler.close();
  };
  const failCatalogOnce = (op: string, after = 0) => failOnce.set(op, after);
  return { handlers, scheduler, sent, clock, settle, failCatalogOnce, holdNextAnswer };
}

const result = (jobId: string, step: string, outcome: "done" | "failed" = "done") => ({
  jobId,
  step,
  attempt: 1,
  outcome,
  worker: "ltfs@test",
  at: AT,
  ...(outcome === "failed" ? { error: { code: "LTFS_BROKE", message: "it broke" } } : {}),
});

const moveDone = (move: MoveRequest) => ({
  done: {
    moveId: move.moveId,
    jobId: move.jobId,
    kind: move.kind,
    barcode: move.barcode,
    from: null,
    to:
      move.kind === "load"
        ? { kind: "drive" as const, drive: 0 }
        : { kind: "slot" as const, slot: 1, importExport: false },
    alreadyInPlace: false,
    homeSlot: 1,
    at: AT,
  },
});

const moveFailed = (move: MoveRequest, code: string) => ({
  failed: {
    moveId: move.moveId,
    jobId: move.jobId,
    kind: move.kind,
    barcode: move.barcode,
    drive: 0,
    error: { code, message: `mtx: ${code}` },
    driveBlocked: false,
    at: AT,
  },
});

/** Queues an explore job of TAPE (the simplest tape job: load, mount, export, unmount, unload). */
/**
 * Records `step` as the step the scheduler sent, as it does before sending one: a test that
 * reports on a later step than the one sent skips the steps between (a result of another step
 * than the job's current one is ignored).
 */
async function skipTo(handlers: CatalogHandlers, jobId: string, step: string) {
  await handlers["job-progress"]({
    id: jobId,
    attempt: 1,
    step,
    text: `waiting (step ${step})`,
    waitingOn: step,
  });
}

async function queueExplore(handlers: CatalogHandlers, seconds = 60) {
  return (await handlers["job-create"]({ kind: "explore", args: { tape: TAPE, seconds } })).job;
}

/** The last move the changer was asked for (the test fails when there is none). */
function lastMove(moves: readonly MoveRequest[]): MoveRequest {
  const move = moves.at(-1);
  if (move === undefined) throw new Error("no move was sent");
  return move;
}

describe("the scheduler's executor", () => {
  it("runs an explore job's steps: moves to the changer, steps to their workers, done in the catalog", async () => {
    const changer = standInChanger({ full: false, barcode: null });
    const { handlers, scheduler, sent, settle } = startScheduler(["explore"], changer.link);
    const job = await queueExplore(handlers);
    await scheduler.poke();
    await settle();
    // The drive is empty: `clear` needs no move, and the load goes out. `clear` knew it from
    // the library as the look that started the job read it: one `mtx status`, not two.
    expect(changer.moves).toEqual([
      { moveId: `${job.id}.load.1`, jobId: job.id, kind: "load", barcode: TAPE, drive: 0 },
    ]);
    expect(changer.statusReads()).toBe(1);
    expect(await getJob(database.db, job.id)).toMatchObject({
      state: "running",
      drive: 0,
      waitingOn: "load",
    });
    await scheduler.handleMoveOutcome(moveDone(lastMove(changer.moves)));
    for (const step of ["mount", "export", "unmount"]) {
      await scheduler.handleResult(result(job.id, step));
    }
    expect(sent).toEqual(["ltfs/mount", "export/export", "ltfs/unmount"]);
    const unload = lastMove(changer.moves);
    expect(unload).toMatchObject({ kind: "unload", barcode: TAPE, drive: 0 });
    await scheduler.handleMoveOutcome(moveDone(unload));
    await settle();
    expect(await getJob(database.db, job.id)).toMatchObject({ state: "done", waitingOn: null });
  });

  it("an unload refused with 53/03 is retried once after the cycle; refused again, the job fails with mtx's error", async () => {
    const changer = standInChanger({ full: false, barcode: null });
    const { handlers, scheduler, sent, settle } = startScheduler(["explore"], changer.link);
    const job = await queueExplore(handlers);
    await scheduler.poke();
    await settle();
    await skipTo(handlers, job.id, "unmount");
    await scheduler.handleResult(result(job.id, "unmount"));
    await scheduler.handleMoveOutcome(
      moveFailed(lastMove(changer.moves), "MTX_MEDIUM_REMOVAL_PREVENTED"),
    );
    expect(sent).toEqual(["ltfs/cycle"]);
    await scheduler.handleResult(result(job.id, "cycle"));
    const retry = lastMove(changer.moves);
    expect(retry).toMatchObject({ moveId: `${job.id}.unload.1.retry`, blockDriveIfRefused: true });
    expect(await getJob(database.db, job.id)).toMatchObject({
      waitingOn: "unload",
      waitingRetry: true,
    });
    await scheduler.handleMoveOutcome(moveFailed(retry, "MTX_MEDIUM_REMOVAL_PREVENTED"));
    await settle();
    const ended = await getJob(database.db, job.id);
    expect(ended?.state).toBe("failed");
    expect(ended?.error).toMatch(
      /^MTX_MEDIUM_REMOVAL_PREVENTED: mtx: MTX_MEDIUM_REMOVAL_PREVENTED/,
    );
  });

  it("a changer it cannot reach leaves the job waiting for the next look; a refusal fails it", async () => {
    const changer = standInChanger({ full: false, barcode: null });
    const { handlers, scheduler, settle } = startScheduler(["explore"], changer.link);
    const job = await queueExplore(handlers);
    changer.refuseNextMove(
      new PytarchiveError("CHANGER_UNAVAILABLE", "the changer did not answer"),
    );
    await scheduler.poke();
    await settle();
    expect(changer.moves).toEqual([]);
    expect(await getJob(database.db, job.id)).toMatchObject({
      state: "running",
      waitingOn: "load",
    });

    // The next look (here a restarted scheduler's) sends the load again, under the same move id.
    const again = startScheduler(["explore"], changer.link);
    changer.refuseNextMove(new PytarchiveError("DRIVE_BLOCKED", "drive 0 is blocked"));
    await again.scheduler.poke();
    await again.settle();
    const ended = await getJob(database.db, job.id);
    expect(ended?.state).toBe("failed");
    expect(ended?.error).toMatch(/^DRIVE_BLOCKED: drive 0 is blocked/);
  });

  it("a restarted scheduler's look and a step's result for one job at once: the job goes on from the result, not back", async () => {
    const changer = standInChanger({ full: false, barcode: null });
    const first = startScheduler(["explore"], changer.link);
    const job = await queueExplore(first.handlers);
    await first.scheduler.poke();
    await first.settle();
    const load = lastMove(changer.moves);
    expect(await getJob(database.db, job.id)).toMatchObject({ currentStep: "load" });

    // Restarted: its look reads the queue (the job waits on the load, which it never sent)
    // and, before it acts on that, the load's outcome arrives and sends the mount.
    const again = startScheduler(["explore"], changer.link);
    const queueRead = again.holdNextAnswer("queue");
    const look = again.scheduler.poke();
    await queueRead.reached;
    await again.scheduler.handleMoveOutcome(moveDone(load));
    queueRead.release();
    await look;
    await again.settle();
    expect(again.sent).toEqual(["ltfs/mount"]);
    expect(await getJob(database.db, job.id)).toMatchObject({
      state: "running",
      currentStep: "mount",
      waitingOn: "mount",
    });
  });

  it("a move the changer keeps refusing as transient fails its job at the stall timeout, saying why; other jobs still start", async () => {
    const changer = standInChanger({ full: false, barcode: null });
    const { handlers, scheduler, sent, clock, settle } = startScheduler(
      ["explore", "inventory"],
      changer.link,
    );
    const job = await queueExplore(handlers);
    changer.refuseEveryMove(
      new PytarchiveError("CHANGER_UNAVAILABLE", "The tape library cannot be read: no answer", {
        hint: "Start the changer service.",
      }),
    );
    await scheduler.poke();
    const { job: inventory } = await handlers["job-create"]({
      kind: "inventory",
      args: { folders: ["/srv/a"] },
    });
    // The next look resends the load, refused again, and still starts the inventory.
    await scheduler.poke();
    expect(await getJob(database.db, inventory.id)).toMatchObject({ state: "running" });
    expect(sent).toEqual(["inventory/report"]);
    // A look every minute: each resends the load, which is refused again.
    for (let minute = 0; minute <= 10; minute += 1) {
      clock.now += 60_000;
      await scheduler.poke();
    }
    await settle();
    const ended = await getJob(database.db, job.id);
    expect(ended?.state).toBe("failed");
    expect(ended?.error).toMatch(
      /^CHANGER_UNAVAILABLE: Step load of job [0-9a-f]{8} could not be sent for 11 min: The tape library cannot be read: no answer/,
    );
    expect(ended?.error).toContain(
      "What to do: Start the changer service. Then `pytarchive requeue",
    );
    expect(changer.moves).toEqual([]);
  });

  it("one catalog failure while a step needing no move is handled does not lose it: the next look sends it again", async () => {
    const changer = standInChanger({ full: false, barcode: null });
    const { handlers, scheduler, settle, failCatalogOnce } = startScheduler(
      ["explore"],
      changer.link,
    );
    const job = await queueExplore(handlers);
    // `clear` on an empty drive is done at once; reading the job for its result fails once.
    failCatalogOnce("job-get");
    await scheduler.poke();
    // Its handling runs after the look; the failed read rejects without waiting on anything.
    await new Promise((resolve) => setImmediate(resolve));
    expect(changer.moves).toEqual([]);
    // The same scheduler's next look (not a restarted one, which would send it again anyway).
    await scheduler.poke();
    await settle();
    expect(changer.moves).toMatchObject([{ kind: "load", jobId: job.id }]);
    expect(await getJob(database.db, job.id)).toMatchObject({
      state: "running",
      waitingOn: "load",
    });
  });

  it("one catalog failure while an unload that keeps the tape is handled does not fail the job: it ends done", async () => {
    const changer = standInChanger({ full: false, barcode: null });
    const { handlers, scheduler, settle, failCatalogOnce } = startScheduler(
      ["explore"],
      changer.link,
    );
    const first = await queueExplore(handlers, 60);
    const second = await queueExplore(handlers, 30);
    await scheduler.poke();
    await vi.waitFor(() => expect(changer.moves).toHaveLength(1));
    // The unmount's result is read; the unload's (done without a move) is not, once.
    failCatalogOnce("job-get", 1);
    await skipTo(handlers, first.id, "unmount");
    await scheduler.handleResult(result(first.id, "unmount"));
    // The next look (the one the unmount's result asks for, or this one) sends the unload again.
    await scheduler.poke();
    await settle();
    expect(await getJob(database.db, first.id)).toMatchObject({
      state: "done",
      progress: `tape ${TAPE} stays in drive 0 for job ${second.id}`,
    });
  });

  it("a drive holding a tape without a barcode fails the job with DRIVE_HOLDS_UNLABELLED_TAPE", async () => {
    const changer = standInChanger({ full: true, barcode: null });
    const { handlers, scheduler, settle } = startScheduler(["explore"], changer.link);
    const job = await queueExplore(handlers);
    await scheduler.poke();
    await settle();
    expect(changer.moves).toEqual([]);
    const ended = await getJob(database.db, job.id);
    expect(ended?.state).toBe("failed");
    expect(ended?.error).toMatch(
      /^DRIVE_HOLDS_UNLABELLED_TAPE: Drive 0 holds a tape without a readable barcode/,
    );
  });

  it("leaves the tape in the drive for the next job that needs it: one load for two jobs", async () => {
    const changer = standInChanger({ full: false, barcode: null });
    const { handlers, scheduler, settle } = startScheduler(["explore"], changer.link);
    const first = await queueExplore(handlers, 60);
    const second = await queueExplore(handlers, 30);
    await scheduler.poke();
    await settle();
    await skipTo(handlers, first.id, "unmount");
    await scheduler.handleResult(result(first.id, "unmount"));
    await settle();
    expect(await getJob(database.db, first.id)).toMatchObject({
      state: "done",
      progress: `tape ${TAPE} stays in drive 0 for job ${second.id}`,
    });
    // The second starts on drive 0, where the tape is; `clear` needs no move.
    const { scheduler: next, settle: settleNext } = startScheduler(["explore"], {
      ...changer.link,
      status: async () => ({
        ...(await changer.link.status()),
        drives: [{ index: 0, full: true, barcode: TAPE, sourceSlot: 1 }],
      }),
    });
    await next.poke();
    await settleNext();
    // `clear` found the tape in drive 0, so the load needs no move either: on to the mount.
    expect(await getJob(database.db, second.id)).toMatchObject({
      state: "running",
      drive: 0,
      waitingOn: "mount",
    });
    // One load for both jobs, no unload between them, and the changer was not asked again.
    expect(
      changer.moves.map((move) => `${move.jobId === first.id ? "first" : "second"} ${move.kind}`),
    ).toEqual(["first load"]);
  });

  it("fails a job whose worker says nothing for the stall timeout; progress keeps it alive", async () => {
    const { handlers, scheduler, clock, settle } = startScheduler(["inventory"]);
    const { job } = await handlers["job-create"]({
      kind: "inventory",
      args: { folders: ["/srv/a"] },
    });
    await scheduler.poke();
    clock.now += TEN_MINUTES - 1_000;
    scheduler.noteActivity(job.id);
    clock.now += TEN_MINUTES - 1_000;
    await scheduler.poke();
    expect(await getJob(database.db, job.id)).toMatchObject({ state: "running" });
    clock.now += 2_000;
    await scheduler.poke();
    await settle();
    const ended = await getJob(database.db, job.id);
    expect(ended?.state).toBe("failed");
    expect(ended?.error).toMatch(
      /^WORKER_SILENT: The inventory service has said nothing about job [0-9a-f]{8} for 10 min 1 s: it is not running, or it hangs\./,
    );
  });
});
