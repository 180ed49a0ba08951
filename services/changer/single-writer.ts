import { setTimeout as sleep } from "node:timers/promises";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { DriveConfig } from "../../shared/config/index.ts";
import { messageOf } from "../../shared/format/index.ts";
import type { LibraryStatus, MtxChanger } from "../../shared/hardware/mtx/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { MoveRequest, streamNames, subjects } from "../../shared/messages/index.ts";
import { type RunningWorkConsumer, runWorkConsumer } from "../../shared/nats/index.ts";
import type { CatalogHomes } from "./catalog-homes.ts";
import type { OccupancyOptions } from "./drive-occupancy.ts";
import { changerLeaseKey } from "./drive-states.ts";
import { holdLibraryLease, type LibraryLease } from "./library-lease.ts";
import { createMoveHandler } from "./move-handler.ts";
import { reconcileDrives } from "./reconcile.ts";

/** Where the single writer is: waiting for the lease, reconciling, taking moves, or stopped. */
export type WriterRole = "waiting" | "reconciling" | "active" | "stopped";

export interface SingleWriterOptions {
  readonly libraryId: string;
  /** Unique per running instance. */
  readonly holder: string;
  readonly leaseTtlMs: number;
  readonly leasePollMs?: number;
  /** Wait between attempts while reconciling fails. */
  readonly retryMs: number;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly kv: KV;
  readonly js: JetStreamClient;
  readonly changer: MtxChanger;
  /** `mtx status`, shared with the status endpoint. */
  readonly readLibrary: () => Promise<LibraryStatus>;
  readonly drives: readonly DriveConfig[];
  readonly occupancy: OccupancyOptions;
  readonly homes: CatalogHomes;
  readonly log: Logger;
  /** Stops the writer (releases the lease after the move in hand). */
  readonly signal: AbortSignal;
}

export interface SingleWriter {
  role(): WriterRole;
  /** Who holds the lease while this instance waits for it (null when unknown or ours). */
  heldBy(): string | null;
  /** Why the writer cannot work right now, or null. */
  problem(): string | null;
  /** Resolves once stopped (the lease released, the consumer stopped). */
  readonly finished: Promise<void>;
}

/**
 * The changer's single writer: waits for the library lease (`changer.<lib>`), reconciles the
 * drives (reconcile.ts), then consumes `pyt.<lib>.changer.move` through the durable consumer
 * `changer`, one move at a time, fencing each robot command with the lease. When the lease is
 * lost it stops consuming and waits for the lease again; when `signal` aborts it finishes the
 * move in hand, stops and releases the lease, so that a waiting instance takes over at once.
 */
export function runSingleWriter(options: SingleWriterOptions): SingleWriter {
  const { log, signal } = options;
  const s = subjects(options.libraryId);
  let role: WriterRole = "waiting";
  let heldBy: string | null = null;
  // Kept apart so that taking the lease again does not hide a reconcile that keeps failing.
  let leaseProblem: string | null = null;
  let problem: string | null = null;

  /**
   * Reconciles, then takes moves until the lease is lost or the writer stops. Resolves true when
   * something failed: the caller releases the lease (another instance may do better) and waits
   * before trying again.
   */
  const serve = async (lease: LibraryLease): Promise<boolean> => {
    const session = AbortSignal.any([signal, lease.lost]);
    role = "reconciling";
    try {
      await reconcileDrives({
        libraryId: options.libraryId,
        readLibrary: options.readLibrary,
        drives: options.drives,
        occupancy: options.occupancy,
        kv: options.kv,
        log,
      });
    } catch (error) {
      problem = `the library could not be reconciled: ${messageOf(error)}`;
      log.error("cannot reconcile the library; taking no moves until it works", { error });
      return true;
    }
    problem = null;
    if (session.aborted) return false;
    let consumer: RunningWorkConsumer | null = null;
    try {
      consumer = await runWorkConsumer({
        js: options.js,
        stream: streamNames(options.libraryId).changer,
        durable: "changer",
        filterSubject: s.changerMove,
        message: MoveRequest,
        handler: createMoveHandler({
          libraryId: options.libraryId,
          changer: options.changer,
          drives: options.drives,
          occupancy: options.occupancy,
          kv: options.kv,
          lease,
          homes: options.homes,
          js: options.js,
          maxDeliver: options.maxDeliver,
        }),
        deadLetterSubject: s.deadLetter("changer"),
        maxAckPending: 1,
        ackWaitMs: options.ackWaitMs,
        maxDeliver: options.maxDeliver,
        signal: session,
        log,
      });
      role = "active";
      await consumer.finished;
      return false;
    } catch (error) {
      problem = `the move consumer failed: ${messageOf(error)}`;
      log.error("the move consumer failed; will try again", { error });
      return true;
    } finally {
      await consumer?.stop();
    }
  };

  const finished = (async () => {
    while (!signal.aborted) {
      role = "waiting";
      let lease: LibraryLease;
      try {
        lease = await holdLibraryLease(options.kv, {
          key: changerLeaseKey(options.libraryId),
          holder: options.holder,
          ttlMs: options.leaseTtlMs,
          ...(options.leasePollMs === undefined ? {} : { pollMs: options.leasePollMs }),
          signal,
          onWait: (current) => {
            heldBy = current.holder;
            log.info("another changer instance holds the library lease; standing by", {
              heldBy: current.holder,
              expiresAt: new Date(current.expiresAt).toISOString(),
            });
          },
          log,
        });
      } catch (error) {
        if (signal.aborted) break;
        leaseProblem = `the library lease could not be taken: ${messageOf(error)}`;
        log.warn("cannot take the library lease; will try again", { error });
        // An abort ends the wait early; the loop then sees the signal.
        await sleep(options.retryMs, undefined, { signal }).catch(() => {});
        continue;
      }
      heldBy = null;
      leaseProblem = null;
      log.info("holding the library lease: this instance moves the tapes", {
        holder: options.holder,
        fence: lease.current().revision,
      });
      const failed = await serve(lease);
      await lease.release();
      if (failed) await sleep(options.retryMs, undefined, { signal }).catch(() => {});
      if (lease.lost.aborted && !signal.aborted) {
        log.error("lost the library lease; stopped taking moves and waiting to take it again", {
          reason: messageOf(lease.lost.reason),
        });
      }
    }
    role = "stopped";
  })();

  return {
    role: () => role,
    heldBy: () => heldBy,
    problem: () => leaseProblem ?? problem,
    finished,
  };
}
