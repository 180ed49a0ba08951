import type { KV } from "@nats-io/kv";
import type { Msg, NatsConnection, Subscription } from "@nats-io/nats-core";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { messageOf } from "../../shared/format/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import {
  ClearDriveReply,
  ClearDriveRequest,
  changerSubjects,
  kvBucketNames,
} from "../../shared/messages/index.ts";
import { readDriveState, updateDriveState } from "./drive-states.ts";
import { respondWithServiceError } from "./respond-error.ts";

/**
 * Answers `pyt.<lib>.changer.clear-drive`: lifts a drive's block (set after it refused twice to
 * release its tape), so it takes moves again. Any changer instance may answer: the block lives in
 * the lease bucket and is read before every move.
 *
 * @example
 * const subscription = serveClearDrive({ nc, kv, libraryId: "lib1", log });
 */
export function serveClearDrive(options: {
  nc: NatsConnection;
  kv: KV;
  libraryId: string;
  log: Logger;
}): Subscription {
  const { nc, log } = options;
  const subject = changerSubjects(options.libraryId).clearDrive;
  return nc.subscribe(subject, {
    queue: "changer",
    callback: (error, msg) => {
      if (error) {
        // e.g. a NATS user without permission for this subject: say what is missing, once.
        log.error("cannot answer clear-drive requests", {
          subject,
          error,
          hint: "Grant the changer user subscribe permission on this subject in nats-server.conf.",
        });
        return;
      }
      void clearDrive(options, msg);
    },
  });
}

async function clearDrive(
  options: { kv: KV; libraryId: string; log: Logger },
  msg: Msg,
): Promise<void> {
  const { kv, libraryId, log } = options;
  try {
    const { drive, by } = ClearDriveRequest.decode(msg.data);
    const previousBlock =
      (await inBucket(libraryId, drive, "read", () => readDriveState(kv, libraryId, drive)))
        ?.blocked ?? null;
    if (previousBlock !== null) {
      await inBucket(libraryId, drive, "write", () =>
        updateDriveState(kv, libraryId, drive, (state) => ({ ...state, blocked: null })),
      );
      log.warn("drive cleared by an operator; it takes moves again", {
        drive,
        by: by ?? "unknown",
        blockedSince: previousBlock.at,
        reason: previousBlock.reason,
      });
    }
    msg.respond(
      ClearDriveReply.encode({ drive, wasBlocked: previousBlock !== null, previousBlock }),
    );
  } catch (error) {
    const refusal =
      error instanceof PytarchiveError
        ? error
        : new PytarchiveError(
            "CLEAR_DRIVE_FAILED",
            `The drive could not be cleared: ${messageOf(error)}.`,
            { hint: "Check that the NATS server runs with JetStream, then try again." },
          );
    log.warn("clear-drive request failed", { code: refusal.code, reason: refusal.message });
    const refused = refusal.code !== "CLEAR_DRIVE_FAILED";
    respondWithServiceError(msg, refusal, refused ? 400 : 503);
  }
}

/**
 * Runs a read or write of the drive states; when the bucket does not answer, the error names the
 * bucket and what to do, since the operator cannot tell a lost bucket from a lost changer.
 */
async function inBucket<T>(
  libraryId: string,
  drive: number,
  access: "read" | "write",
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PytarchiveError) throw error;
    const bucket = kvBucketNames(libraryId).leases;
    const reason = messageOf(error);
    throw new PytarchiveError(
      "CLEAR_DRIVE_FAILED",
      `Drive ${drive} was not cleared: the changer could not ${access} the drive states in its NATS key-value bucket ${bucket} (${reason}).`,
      {
        hint: `Check that the NATS server runs with JetStream and that pytarchive runs (\`npm start\`), then try \`pytarchive clear-drive ${drive}\` again; \`pytarchive library\` shows which drives are blocked.`,
        cause: error,
      },
    );
  }
}
