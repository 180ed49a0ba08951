import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { Type } from "@sinclair/typebox";
import { PytarchiveError } from "../errors/index.ts";
import { defineMessage } from "../messages/index.ts";
import { sleep } from "./sleep.ts";

/**
 * A single-writer lease held in a KV key. `revision` is the key's revision when this holder last
 * wrote it: every renewal and the release are compare-and-set on it, so a holder that lost the
 * lease cannot overwrite its successor. It also serves as a fencing token (it only grows).
 */
export interface Lease {
  readonly key: string;
  readonly holder: string;
  readonly revision: number;
  /** Milliseconds since the epoch, by the holder's clock. */
  readonly expiresAt: number;
}

/**
 * The value stored under the key. Expiry is judged from `expiresAt`, not from a KV TTL, because
 * nats-server 2.9 ignores per-message TTLs. Hosts sharing a lease need synchronised clocks (NTP);
 * a TTL of tens of seconds leaves ample margin.
 */
const LeaseValue = defineMessage(
  "lease",
  Type.Object({
    holder: Type.String({ minLength: 1 }),
    expiresAt: Type.Number(),
    acquiredAt: Type.Number(),
  }),
);

/**
 * Takes the lease if it is free, expired, or already ours; otherwise returns null at once.
 * `holder` must be unique per running instance (e.g. host name and process id).
 *
 * @example
 * const lease = await tryAcquireLease(kv, "changer", `${hostname()}:${process.pid}`, 30_000);
 */
export async function tryAcquireLease(
  kv: KV,
  key: string,
  holder: string,
  ttlMs: number,
): Promise<Lease | null> {
  const now = Date.now();
  const value = { holder, expiresAt: now + ttlMs, acquiredAt: now };
  const entry = await kv.get(key);
  if (entry === null || entry.operation !== "PUT") {
    return await compareAndSet(() => kv.create(key, LeaseValue.encode(value)), key, value);
  }
  const current = readLeaseValue(entry.value);
  // An unreadable value is treated as expired, so a corrupt key cannot block the library forever.
  const takeable = current === null || current.holder === holder || current.expiresAt <= now;
  if (!takeable) return null;
  const acquiredAt = current?.holder === holder ? current.acquiredAt : now;
  const claim = { ...value, acquiredAt };
  return await compareAndSet(
    () => kv.update(key, LeaseValue.encode(claim), entry.revision),
    key,
    claim,
  );
}

export interface AcquireLeaseOptions {
  /** Stop waiting (throws LEASE_WAIT_ABORTED). */
  readonly signal?: AbortSignal;
  /** How often to look again while another holder has it. Default min(1 s, ttl/4). */
  readonly pollMs?: number;
  /** Called once when the lease is found held by someone else, to log who. */
  readonly onWait?: (heldBy: { holder: string; expiresAt: number }) => void;
}

/**
 * Takes the lease, waiting while another live holder has it (until it releases it or lets it
 * expire).
 *
 * @example
 * const lease = await acquireLease(kv, "changer", holderId, 30_000, { signal, onWait: (h) => log.warn("waiting for the changer lease", h) });
 */
export async function acquireLease(
  kv: KV,
  key: string,
  holder: string,
  ttlMs: number,
  options: AcquireLeaseOptions = {},
): Promise<Lease> {
  const pollMs = options.pollMs ?? Math.max(10, Math.min(1_000, Math.floor(ttlMs / 4)));
  let reportedWait = false;
  for (;;) {
    if (options.signal?.aborted) {
      throw new PytarchiveError("LEASE_WAIT_ABORTED", `Stopped waiting for the lease ${key}.`, {
        cause: options.signal.reason,
      });
    }
    const lease = await tryAcquireLease(kv, key, holder, ttlMs);
    if (lease !== null) return lease;
    if (!reportedWait && options.onWait) {
      const entry = await kv.get(key);
      const current = entry?.operation === "PUT" ? readLeaseValue(entry.value) : null;
      if (current !== null) {
        reportedWait = true;
        options.onWait({ holder: current.holder, expiresAt: current.expiresAt });
      }
    }
    await sleep(pollMs, options.signal);
  }
}

/**
 * Extends a lease we hold by `ttlMs` from now. Throws LEASE_LOST when someone else took it
 * (ours expired): the caller must stop writing at once.
 *
 * @example
 * lease = await renewLease(kv, lease, 30_000);
 */
export async function renewLease(kv: KV, lease: Lease, ttlMs: number): Promise<Lease> {
  const now = Date.now();
  const entry = await kv.get(lease.key);
  const current = entry?.operation === "PUT" ? readLeaseValue(entry.value) : null;
  const acquiredAt = current?.holder === lease.holder ? current.acquiredAt : now;
  const value = { holder: lease.holder, expiresAt: now + ttlMs, acquiredAt };
  const renewed = await compareAndSet(
    () => kv.update(lease.key, LeaseValue.encode(value), lease.revision),
    lease.key,
    value,
  );
  if (renewed === null) {
    const now = current?.holder;
    const what =
      now === undefined
        ? "was released"
        : now === lease.holder
          ? `was renewed after revision ${lease.revision} by another copy of this holder (this copy is stale)`
          : `was taken over by ${now}`;
    throw new PytarchiveError(
      "LEASE_LOST",
      `The lease ${lease.key} held by ${lease.holder} ${what}.`,
      {
        hint: "This instance stopped renewing in time (paused, overloaded or disconnected); it must stop and start again.",
      },
    );
  }
  return renewed;
}

/**
 * Gives the lease up so a waiting holder can take it at once. Returns false when it was no
 * longer ours (nothing is changed then).
 *
 * @example
 * await releaseLease(kv, lease);
 */
export async function releaseLease(kv: KV, lease: Lease): Promise<boolean> {
  try {
    await kv.delete(lease.key, { previousSeq: lease.revision });
    return true;
  } catch (error) {
    if (isWrongLastSequence(error)) return false;
    throw error;
  }
}

export interface HeldLease {
  /** The lease as last renewed (its revision changes with each renewal). */
  current(): Lease;
  /** Stops renewing and releases the lease. */
  release(): Promise<void>;
}

/**
 * Renews a lease every ttl/3 until released. When a renewal finds the lease lost, renewing stops
 * and `onLost` is called: stop writing. A failed renewal for another reason (server restarting)
 * is retried at the next tick.
 *
 * @example
 * const held = keepLeaseRenewed(kv, lease, 30_000, { onLost: (error) => shutDown(error) });
 * // … on stop
 * await held.release();
 */
export function keepLeaseRenewed(
  kv: KV,
  lease: Lease,
  ttlMs: number,
  handlers: { onLost: (error: PytarchiveError) => void; onRenewFailed?: (error: unknown) => void },
): HeldLease {
  let current = lease;
  let stopped = false;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      if (stopped) return;
      renewing = renewLease(kv, current, ttlMs).then(
        (renewed) => {
          if (!stopped) current = renewed;
        },
        (error: unknown) => {
          if (error instanceof PytarchiveError && error.code === "LEASE_LOST") {
            stopped = true;
            clearInterval(timer);
            handlers.onLost(error);
          } else {
            handlers.onRenewFailed?.(error);
          }
        },
      );
    },
    Math.max(10, Math.floor(ttlMs / 3)),
  );
  return {
    current: () => current,
    release: async () => {
      const wasStopped = stopped;
      stopped = true;
      clearInterval(timer);
      await renewing;
      if (!wasStopped) await releaseLease(kv, current);
    },
  };
}

async function compareAndSet(
  write: () => Promise<number>,
  key: string,
  value: { holder: string; expiresAt: number },
): Promise<Lease | null> {
  try {
    const revision = await write();
    return { key, holder: value.holder, revision, expiresAt: value.expiresAt };
  } catch (error) {
    // Someone else wrote the key between our read and our write: they won this round.
    if (isWrongLastSequence(error)) return null;
    throw error;
  }
}

function isWrongLastSequence(error: unknown): boolean {
  if (error instanceof JetStreamApiError) {
    return error.code === JetStreamApiCodes.StreamWrongLastSequence;
  }
  return error instanceof Error && /wrong last sequence/i.test(error.message);
}

function readLeaseValue(
  bytes: Uint8Array,
): { holder: string; expiresAt: number; acquiredAt: number } | null {
  try {
    return LeaseValue.decode(bytes);
  } catch {
    return null;
  }
}
