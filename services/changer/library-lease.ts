import type { KV } from "@nats-io/kv";
import { PytarchiveError } from "../../shared/errors/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { acquireLease, type Lease, releaseLease, renewLease } from "../../shared/nats/index.ts";

/*
 * One message in flight on the move consumer is not a single writer on its own: a handler that
 * overruns its ack wait is redelivered to another instance while it still runs. So the changer
 * holds a compare-and-set lease on `changer.<lib>` for as long as it takes moves, and renews it
 * (compare-and-set on the revision it last wrote) right before every robot command: an instance
 * that lost the lease finds out there and moves nothing.
 */

/** The library lease, held and renewed until released or lost. */
export interface LibraryLease {
  readonly holder: string;
  /** Aborted when the lease was found taken by someone else: stop taking moves at once. */
  readonly lost: AbortSignal;
  /** The lease as last renewed; its revision is the fencing token. */
  current(): Lease;
  /**
   * Renews the lease now; call it right before each robot command. Throws LEASE_LOST (and
   * aborts `lost`) when another holder has it, or the renewal's error when NATS did not
   * answer: either way, do not move.
   */
  fence(): Promise<Lease>;
  /** Stops renewing and gives the lease up so a waiting instance takes over at once. */
  release(): Promise<void>;
}

export interface HoldLibraryLeaseOptions {
  readonly key: string;
  /** Unique per running instance, e.g. `<host>:<pid>:<random>`. */
  readonly holder: string;
  readonly ttlMs: number;
  /** How often to look again while another instance holds it. */
  readonly pollMs?: number;
  /** Stop waiting (throws LEASE_WAIT_ABORTED). */
  readonly signal?: AbortSignal;
  /** Called once if another instance holds the lease when we start waiting. */
  readonly onWait?: (heldBy: { holder: string; expiresAt: number }) => void;
  readonly log: Logger;
}

/**
 * Waits for the lease, then keeps it renewed every ttl/3 until released or lost.
 *
 * @example
 * const lease = await holdLibraryLease(kv, { key: "changer.lib1", holder, ttlMs: 30_000, log });
 * await lease.fence(); // before each mtx load/unload/transfer
 * await lease.release();
 */
export async function holdLibraryLease(
  kv: KV,
  options: HoldLibraryLeaseOptions,
): Promise<LibraryLease> {
  const { ttlMs, log } = options;
  let current = await acquireLease(kv, options.key, options.holder, ttlMs, {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(options.onWait === undefined ? {} : { onWait: options.onWait }),
  });
  const lost = new AbortController();
  let lostError: PytarchiveError | null = null;
  let released = false;
  // Renewals run one after the other: each compare-and-set needs the revision of the last one.
  let chain: Promise<unknown> = Promise.resolve();

  const renewNow = (): Promise<Lease> => {
    const renewal = chain.then(async () => {
      if (lostError !== null) throw lostError;
      if (released) {
        throw new PytarchiveError("LEASE_RELEASED", `The lease ${options.key} was released.`);
      }
      try {
        current = await renewLease(kv, current, ttlMs);
        return current;
      } catch (error) {
        if (error instanceof PytarchiveError && error.code === "LEASE_LOST") {
          lostError = error;
          clearInterval(timer);
          lost.abort(error);
        }
        throw error;
      }
    });
    chain = renewal.catch(() => {});
    return renewal;
  };

  const timer = setInterval(
    () => {
      renewNow().catch((error: unknown) => {
        if (error instanceof PytarchiveError && error.code === "LEASE_LOST") {
          log.error("lost the changer lease; taking no more moves", { reason: error.message });
        } else if (!released) {
          // NATS restarting: the next tick tries again, well within the lease's time to live.
          log.warn("could not renew the changer lease; will try again", { error });
        }
      });
    },
    Math.max(10, Math.floor(ttlMs / 3)),
  );

  return {
    holder: options.holder,
    lost: lost.signal,
    current: () => current,
    fence: renewNow,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await chain;
      if (lostError === null) {
        try {
          await releaseLease(kv, current);
        } catch (error) {
          // It expires on its own after ttlMs.
          log.warn("could not release the changer lease; it expires on its own", { error });
        }
      }
    },
  };
}
