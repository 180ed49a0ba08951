import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { WorkItem } from "../messages/index.ts";

/**
 * The message id of a work item: `<jobId>.<step>.<attempt>`. JetStream drops a second publish
 * with the same id inside the stream's duplicate window, so a publisher that retries after a
 * crash does not queue the step twice. The attempt is part of the id so that a requeued job
 * (next attempt) is not mistaken for a duplicate of the failed one.
 */
export function workMessageId(item: WorkItem): string {
  return `${item.jobId}.${item.step}.${item.attempt}`;
}

/**
 * Validates and publishes a work item with its de-duplicating message id; resolves with the
 * stream's acknowledgement (`duplicate: true` when it was already queued).
 *
 * @example
 * await publishWork(js, subjects("lib1").work("ltfs", "copy"), { jobId: "3fa2b1c0", step: "copy", attempt: 1 });
 */
export async function publishWork(
  js: JetStreamClient,
  subject: string,
  item: WorkItem,
): Promise<PubAck> {
  return await js.publish(subject, WorkItem.encode(item), { msgID: workMessageId(item) });
}
