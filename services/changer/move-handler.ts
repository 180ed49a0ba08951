import type { JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { DriveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { messageOf } from "../../shared/format/index.ts";
import { MTX_ERROR_CODES, type MtxChanger, MtxError } from "../../shared/hardware/mtx/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import type { ErrorInfo } from "../../shared/messages/index.ts";
import {
  type DriveBlock,
  MOVE_FAILURE_CODES,
  type MoveDone,
  type MoveRequest,
  type TapePlace,
} from "../../shared/messages/index.ts";
import type { WorkContext, WorkHandler } from "../../shared/nats/index.ts";
import type { CatalogHomes } from "./catalog-homes.ts";
import { assertReleased, inspectDrive, type OccupancyOptions } from "./drive-occupancy.ts";
import { readBlockedDrives, updateDriveState } from "./drive-states.ts";
import type { LibraryLease } from "./library-lease.ts";
import { publishMoveDone, publishMoveFailed } from "./move-outcomes.ts";
import { MoveRefusedError } from "./move-refused-error.ts";
import { type MovePlan, placeOf, planMove } from "./plan-move.ts";

export interface MoveHandlerDependencies {
  readonly libraryId: string;
  readonly changer: MtxChanger;
  /** The configured drives (`[Drive n]`): device and mount point of each. */
  readonly drives: readonly DriveConfig[];
  readonly occupancy: OccupancyOptions;
  /** The library's lease bucket (drive states live there too). */
  readonly kv: KV;
  readonly lease: LibraryLease;
  readonly homes: CatalogHomes;
  readonly js: JetStreamClient;
  /** Deliveries of one move before a failure that might pass (a busy changer) is reported. */
  readonly maxDeliver: number;
}

/** mtx failures that may pass on their own: retried before they are reported. */
const PASSING_MTX_CODES: ReadonlySet<string> = new Set([
  MTX_ERROR_CODES.deviceBusy,
  MTX_ERROR_CODES.notReady,
  MTX_ERROR_CODES.statusFailed,
]);

/** What the handler learned about a move that failed, for its outcome. */
interface Attempt {
  drive: number | null;
  driveBlocked: boolean;
}

/**
 * The handler of `pyt.<lib>.changer.move`: reads the library, decides the move (plan-move.ts),
 * checks that an unloaded tape is neither mounted nor still held by LTFS, renews the lease, runs
 * mtx, records the drive's new state and publishes the outcome. Every move ends in exactly one
 * outcome event, except when the lease was lost: then the move is handed back (nak) for the
 * instance that holds the lease now.
 *
 * @example
 * await runWorkConsumer({ ..., message: MoveRequest, handler: createMoveHandler(deps) });
 */
export function createMoveHandler(deps: MoveHandlerDependencies): WorkHandler<MoveRequest> {
  return async (move, context) => {
    const attempt: Attempt = { drive: requestedDrive(move), driveBlocked: false };
    let done: MoveDone;
    try {
      done = await performMove(deps, move, context, attempt);
    } catch (error) {
      if (isLeaseProblem(error) || deps.lease.lost.aborted) throw error;
      if (error instanceof MoveRefusedError) attempt.drive ??= error.drive;
      const final = error instanceof MoveRefusedError || isFinalMtxError(error);
      if (!final && context.deliveryCount < deps.maxDeliver) throw error;
      const info = failureInfo(error, attempt, deps.libraryId);
      context.log.warn("move failed", {
        moveId: move.moveId,
        jobId: move.jobId,
        kind: move.kind,
        barcode: move.barcode,
        drive: attempt.drive,
        code: info.code,
        reason: info.message,
        driveBlocked: attempt.driveBlocked,
      });
      await publishMoveFailed(deps.js, deps.libraryId, {
        moveId: move.moveId,
        jobId: move.jobId,
        kind: move.kind,
        barcode: move.barcode,
        drive: attempt.drive,
        error: info,
        sense: senseOf(error),
        driveBlocked: attempt.driveBlocked,
        at: new Date().toISOString(),
      });
      return;
    }
    await publishMoveDone(deps.js, deps.libraryId, done);
  };
}

async function performMove(
  deps: MoveHandlerDependencies,
  move: MoveRequest,
  context: WorkContext,
  attempt: Attempt,
): Promise<MoveDone> {
  const { changer, kv, libraryId, lease, homes } = deps;
  const log = context.log;
  // A status of its own, never one shared with status requests: that one may predate the last move.
  const library = await changer.status();
  const blockedDrives = await readBlockedDrives(
    kv,
    libraryId,
    library.drives.map((drive) => drive.index),
  );
  let catalogHome: number | null = null;
  try {
    catalogHome = await homes.homeOf(move.barcode);
  } catch (error) {
    // The slot mtx says the tape came from is its home too; the catalog only wins when it answers.
    log.warn("the catalog did not say where the tape lives; using mtx's source slot", {
      barcode: move.barcode,
      error,
    });
  }
  const plan = planMove({
    library,
    move,
    catalogHome,
    blockedDrives,
    configuredDrives: new Set(deps.drives.map((drive) => drive.element)),
  });
  const outcome = (from: TapePlace | null, to: TapePlace, homeSlot: number | null): MoveDone => ({
    moveId: move.moveId,
    jobId: move.jobId,
    kind: move.kind,
    barcode: move.barcode,
    from,
    to,
    alreadyInPlace: from === null,
    homeSlot,
    at: new Date().toISOString(),
  });
  const started = performance.now();
  const logMoved = (plan: MovePlan) =>
    log.info("moved a tape", {
      moveId: move.moveId,
      jobId: move.jobId,
      barcode: move.barcode,
      plan,
      ms: Math.round(performance.now() - started),
      fence: lease.current().revision,
    });

  switch (plan.action) {
    case "none":
      log.info("the tape already is where the move wants it; nothing to do", {
        moveId: move.moveId,
        barcode: move.barcode,
        at: plan.at,
      });
      return outcome(null, plan.at, plan.homeSlot);

    case "load": {
      attempt.drive = plan.drive;
      await lease.fence();
      await changer.load(plan.fromSlot, plan.drive);
      logMoved(plan);
      await recordQuietly(log, "drive state", () =>
        updateDriveState(kv, libraryId, plan.drive, (state) => ({
          ...state,
          barcode: move.barcode,
          full: true,
          sourceSlot: plan.fromSlot,
          mounted: false,
          ltfsPids: [],
        })),
      );
      if (plan.recordHome && plan.homeSlot !== null) {
        const home = plan.homeSlot;
        await recordQuietly(log, "home slot", () => homes.record(move.barcode, home));
      }
      return outcome(
        { kind: "slot", slot: plan.fromSlot, importExport: false },
        { kind: "drive", drive: plan.drive },
        plan.homeSlot,
      );
    }

    case "unload": {
      attempt.drive = plan.drive;
      const drive = deps.drives.find((d) => d.element === plan.drive);
      // planMove refuses unconfigured drives; this only satisfies the type checker.
      if (drive === undefined) throw new Error(`drive ${plan.drive} is not configured`);
      const occupancy = await inspectDrive(drive, deps.occupancy);
      assertReleased(occupancy, move.barcode, drive.mountPoint);
      await lease.fence();
      try {
        await changer.unload(plan.drive, plan.toSlot);
      } catch (error) {
        if (error instanceof MtxError && error.isMediumRemovalPrevented()) {
          await onRemovalPrevented(deps, move, plan.drive, error, attempt, log);
        }
        throw error;
      }
      logMoved(plan);
      await recordQuietly(log, "drive state", () =>
        updateDriveState(kv, libraryId, plan.drive, (state) => ({
          ...state,
          barcode: null,
          full: false,
          sourceSlot: null,
          mounted: false,
          ltfsPids: [],
        })),
      );
      return outcome(
        { kind: "drive", drive: plan.drive },
        { kind: "slot", slot: plan.toSlot, importExport: isImportExport(library, plan.toSlot) },
        plan.toSlot,
      );
    }

    case "transfer": {
      const fromImportExport = isImportExport(library, plan.fromSlot);
      await lease.fence();
      await changer.transfer(plan.fromSlot, plan.toSlot);
      logMoved(plan);
      if (!plan.homeUnchanged) {
        await recordQuietly(log, "home slot", () => homes.record(move.barcode, plan.newHome));
      }
      return outcome(
        { kind: "slot", slot: plan.fromSlot, importExport: fromImportExport },
        placeOf({
          kind: "slot",
          slot: plan.toSlot,
          importExport: isImportExport(library, plan.toSlot),
        }),
        plan.newHome,
      );
    }
  }
}

/**
 * The drive refused to release the tape (ASC 53h). The first time, the scheduler has the tape
 * mounted and unmounted and asks again with `blockDriveIfRefused`; a refusal then blocks the drive.
 */
async function onRemovalPrevented(
  deps: MoveHandlerDependencies,
  move: MoveRequest,
  drive: number,
  error: MtxError,
  attempt: Attempt,
  log: Logger,
): Promise<void> {
  const blockIt = "blockDriveIfRefused" in move && move.blockDriveIfRefused === true;
  if (!blockIt) return;
  const block: DriveBlock = {
    code: error.code,
    reason: error.message,
    barcode: move.barcode,
    moveId: move.moveId,
    jobId: move.jobId,
    at: new Date().toISOString(),
  };
  try {
    await updateDriveState(deps.kv, deps.libraryId, drive, (state) => ({
      ...state,
      blocked: block,
    }));
    attempt.driveBlocked = true;
    log.error("drive blocked: it refused to release its tape twice", {
      drive,
      barcode: move.barcode,
      moveId: move.moveId,
      jobId: move.jobId,
    });
  } catch (cause) {
    log.error("could not record the drive as blocked", { drive, error: cause });
  }
}

async function recordQuietly(log: Logger, what: string, write: () => Promise<unknown>) {
  try {
    await write();
  } catch (error) {
    // The tape moved; the record is informative and is rewritten at the next start.
    log.warn(`the tape moved, but its ${what} could not be recorded`, { error });
  }
}

function isImportExport(
  library: { slots: { index: number; importExport: boolean }[] },
  slot: number,
) {
  return library.slots.find((s) => s.index === slot)?.importExport ?? false;
}

function requestedDrive(move: MoveRequest): number | null {
  return move.kind === "load" || move.kind === "unload" ? (move.drive ?? null) : null;
}

function isLeaseProblem(error: unknown): boolean {
  return (
    error instanceof PytarchiveError &&
    (error.code === "LEASE_LOST" || error.code === "LEASE_RELEASED")
  );
}

/** An mtx failure that another try right away would not cure. */
function isFinalMtxError(error: unknown): boolean {
  return error instanceof MtxError && !PASSING_MTX_CODES.has(error.code);
}

function failureInfo(error: unknown, attempt: Attempt, libraryId: string): ErrorInfo {
  if (error instanceof PytarchiveError) {
    let hint = error.hint;
    if (attempt.driveBlocked && attempt.drive !== null) {
      hint =
        `${hint ?? ""} Drive ${attempt.drive} is now blocked and takes no moves until an operator clears it: \`pytarchive clear-drive ${attempt.drive}\` (a request on pyt.${libraryId}.changer.clear-drive), then \`pytarchive requeue\` the task.`.trim();
    }
    return hint === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, hint };
  }
  return {
    code: MOVE_FAILURE_CODES.moveNotCompleted,
    message: `The move could not be completed: ${messageOf(error)}.`,
    hint: "Check the changer's log and `pytarchive library`, then retry the job.",
  };
}

/** ASC/ASCQ ("53/03") of the mtx failure behind `error` (itself or a cause), if mtx printed one. */
function senseOf(error: unknown): string | null {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof MtxError && cause.asc !== null && cause.ascq !== null) {
      const hex = (value: number) => value.toString(16).toUpperCase().padStart(2, "0");
      return `${hex(cause.asc)}/${hex(cause.ascq)}`;
    }
  }
  return null;
}
