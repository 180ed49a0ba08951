import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { changerSubjects, MoveRequest } from "../../shared/messages/index.ts";

/**
 * Queues a tape move for the changer (only the scheduler may: NATS permissions). The moveId is
 * the JetStream message id, so publishing the same move twice within two minutes queues it once.
 * Its outcome arrives as `pyt.<lib>.events.move.done|failed` carrying the same moveId.
 *
 * @example
 * await publishMove(js, "lib1", { moveId: "3fa2b1c0.load.1", jobId: "3fa2b1c0", kind: "load", barcode: "AAK787L9", drive: 0 });
 */
export async function publishMove(
  js: JetStreamClient,
  libraryId: string,
  move: MoveRequest,
): Promise<PubAck> {
  return await js.publish(changerSubjects(libraryId).move, MoveRequest.encode(move), {
    msgID: move.moveId,
  });
}
