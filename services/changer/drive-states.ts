import type { KV } from "@nats-io/kv";
import {
  ChangerDriveState,
  type DriveBlock,
  type ChangerDriveState as DriveState,
} from "../../shared/messages/changer-moves.ts";

/*
 * What the changer knows about each drive, in the library's lease bucket (the changer and the
 * scheduler may read and write it; nothing else is needed). Keys are read one by one: listing
 * keys needs a consumer on the bucket's stream, which the NATS permissions do not grant.
 */

/** The changer's single-writer lease: `changer.<lib>`. */
export function changerLeaseKey(libraryId: string): string {
  return `changer.${libraryId}`;
}

/** One drive's state: `changer.<lib>.drive.<n>`. */
export function driveStateKey(libraryId: string, drive: number): string {
  return `changer.${libraryId}.drive.${drive}`;
}

/**
 * The recorded state of a drive, or null when none was recorded (or it is unreadable).
 *
 * @example
 * (await readDriveState(kv, "lib1", 0))?.blocked; // null, or why it is blocked
 */
export async function readDriveState(
  kv: KV,
  libraryId: string,
  drive: number,
): Promise<DriveState | null> {
  const entry = await kv.get(driveStateKey(libraryId, drive));
  if (entry === null || entry.operation !== "PUT") return null;
  try {
    return ChangerDriveState.decode(entry.value);
  } catch {
    return null;
  }
}

/** The blocked drives among `drives`, with why each is blocked. */
export async function readBlockedDrives(
  kv: KV,
  libraryId: string,
  drives: readonly number[],
): Promise<Map<number, DriveBlock>> {
  const blocked = new Map<number, DriveBlock>();
  for (const drive of drives) {
    const state = await readDriveState(kv, libraryId, drive);
    if (state?.blocked) blocked.set(drive, state.blocked);
  }
  return blocked;
}

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
