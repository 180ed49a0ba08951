import type { KV } from "@nats-io/kv";
import {
  ChangerDriveState,
  type DriveBlock,
  type ChangerDriveState as DriveState,
} from "../messages/index.ts";

/*
 * What the changer knows about each drive, in the library's lease bucket (the changer writes it;
 * the scheduler reads it to keep jobs off blocked drives). Keys are read one by one: listing keys
 * needs a consumer on the bucket's stream, which the NATS permissions do not grant.
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
