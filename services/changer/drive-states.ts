import type { KV } from "@nats-io/kv";
import {
  ChangerDriveState,
  type ChangerDriveState as DriveState,
} from "../../shared/messages/index.ts";

import { driveStateKey } from "../../shared/nats/index.ts";

// The read side is shared (the scheduler reads blocked drives too); the changer alone writes.
export {
  changerLeaseKey,
  driveStateKey,
  readBlockedDrives,
  readDriveState,
} from "../../shared/nats/index.ts";

/** A drive's state with nothing known yet. */
export function emptyDriveState(drive: number): DriveState {
  return {
    drive,
    barcode: null,
    full: false,
    sourceSlot: null,
    mounted: null,
    ltfsPids: [],
    blocked: null,
    updatedAt: new Date().toISOString(),
  };
}

const MAX_CAS_ATTEMPTS = 10;

/**
 * Changes a drive's recorded state with compare-and-set, so that a block set or cleared by
 * another changer instance (clear-drive is answered by any) is never overwritten by a stale copy.
 *
 * @example
 * await updateDriveState(kv, "lib1", 0, (state) => ({ ...state, blocked: null }));
 */
export async function updateDriveState(
  kv: KV,
  libraryId: string,
  drive: number,
  change: (current: DriveState) => DriveState,
): Promise<DriveState> {
  const key = driveStateKey(libraryId, drive);
  for (let attempt = 1; ; attempt++) {
    const entry = await kv.get(key);
    const exists = entry !== null && entry.operation === "PUT";
    let current = emptyDriveState(drive);
    if (exists) {
      try {
        current = ChangerDriveState.decode(entry.value);
      } catch {
        // An unreadable record is replaced.
      }
    }
    const next = { ...change(current), drive, updatedAt: new Date().toISOString() };
    const bytes = ChangerDriveState.encode(next);
    try {
      if (entry === null) await kv.create(key, bytes);
      else await kv.update(key, bytes, entry.revision);
      return next;
    } catch (error) {
      if (attempt >= MAX_CAS_ATTEMPTS || !/wrong last sequence|key exists/i.test(String(error))) {
        throw error;
      }
    }
  }
}
