import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import {
  changerSubjects,
  MoveDone,
  type MoveDone as MoveDoneEvent,
  MoveFailed,
  type MoveFailed as MoveFailedEvent,
} from "../../shared/messages/index.ts";

/**
 * Publishes `pyt.<lib>.events.move.done` with message id `move.<moveId>.done`: a repeat after a
 * crash (before the move request was acknowledged) is dropped by JetStream within two minutes,
 * and one later is harmless (the same facts again).
 */
export async function publishMoveDone(
  js: JetStreamClient,
  libraryId: string,
  done: MoveDoneEvent,
): Promise<PubAck> {
  return await js.publish(changerSubjects(libraryId).moveDone, MoveDone.encode(done), {
    msgID: `move.${done.moveId}.done`,
  });
}

/** Publishes `pyt.<lib>.events.move.failed` with message id `move.<moveId>.failed`. */
export async function publishMoveFailed(
  js: JetStreamClient,
  libraryId: string,
  failed: MoveFailedEvent,
): Promise<PubAck> {
  return await js.publish(changerSubjects(libraryId).moveFailed, MoveFailed.encode(failed), {
    msgID: `move.${failed.moveId}.failed`,
  });
}
