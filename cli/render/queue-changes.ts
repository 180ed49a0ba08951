import type { CommandReply } from "../../shared/messages/index.ts";

/** `pytarchive requeue`: one line per task put back in the queue. */
export function renderRequeued(reply: CommandReply<"requeue">): string {
  const skipped = skippedLines(reply.skipped);
  if (reply.requeued.length === 0 && skipped.length === 0) return "No failed tasks to requeue.\n";
  return [
    ...reply.requeued.map((id) => `Task ${id}: error state reset; it is back in the queue.\n`),
    ...skipped,
  ].join("");
}

/** One line per id that was not acted on, as the original said it: `Task 3fa2b1c0 not found`. */
function skippedLines(skipped: readonly { id: string; message: string }[] | undefined): string[] {
  return (skipped ?? []).map(({ id, message }) => `Task ${id} ${message}.\n`);
}

/**
 * `pytarchive abort`: removed tasks, running tasks asked to stop, and running tasks it came too
 * late for (they end done: e.g. the folder is already archived).
 */
export function renderAborted(reply: CommandReply<"abort">): string {
  return [
    ...reply.aborted.map((id) => `Task ${id} removed from the queue.\n`),
    ...reply.stopRequested.map(
      (id) => `Task ${id}: abort requested; it is cleaning up and stops soon.\n`,
    ),
    ...(reply.tooLate ?? []).map(
      ({ id, message }) => `Task ${id}: ${message}; it was not aborted and ends done.\n`,
    ),
    ...skippedLines(reply.skipped),
  ].join("");
}
