import type { JetStreamClient } from "@nats-io/jetstream";
import { Type } from "@sinclair/typebox";
import type { Logger } from "../../shared/logging/index.ts";
import {
  defineMessage,
  JOB_ABORT_REQUESTED,
  JOB_EVENTS,
  MOVE_EVENTS,
  MoveDone,
  MoveFailed,
  streamNames,
  subjects,
} from "../../shared/messages/index.ts";
import { type RunningWorkConsumer, runWorkConsumer } from "../../shared/nats/index.ts";
import type { MoveOutcome } from "./tape-moves.ts";

/**
 * Any event: the scheduler needs its kind (from the subject) and its job id, and the whole
 * payload of move outcomes (checked against their schemas below).
 */
const AnyEvent = defineMessage(
  "event",
  Type.Object({ jobId: Type.Optional(Type.String()) }, { additionalProperties: true }),
);

export interface EventReactions {
  /** Something was queued (a new job or a requeue): look at the queue. */
  readonly onQueued: () => void;
  /** A worker reported progress of a running job. */
  readonly onProgress: (jobId: string) => void;
  /** The operator asked a running job to stop. */
  readonly onAbortRequested: (jobId: string) => void;
  /** A tape move ended; awaited, so a failure to handle it makes the event come again. */
  readonly onMoveOutcome: (outcome: MoveOutcome) => Promise<void>;
}

/**
 * Follows the library's events through the durable consumer `scheduler` on the events stream.
 * Events only make the scheduler look sooner; it reads the truth from the catalog, so a lost
 * or repeated event costs a look, nothing more.
 */
export function watchEvents(options: {
  js: JetStreamClient;
  libraryId: string;
  log: Logger;
  signal: AbortSignal;
  reactions: EventReactions;
}): Promise<RunningWorkConsumer> {
  const s = subjects(options.libraryId);
  const prefix = `${s.prefix}.events.`;
  return runWorkConsumer({
    js: options.js,
    stream: streamNames(options.libraryId).events,
    durable: "scheduler",
    filterSubject: s.allEvents,
    message: AnyEvent,
    deadLetterSubject: s.deadLetter("scheduler"),
    // Handling an event is a few map updates: take many at once.
    maxAckPending: 64,
    log: options.log,
    signal: options.signal,
    handler: async (event, context) => {
      const kind = context.subject.slice(prefix.length);
      const jobId = event.jobId;
      if (kind === JOB_EVENTS.created || kind === JOB_EVENTS.queued) {
        options.reactions.onQueued();
      } else if (kind === JOB_EVENTS.progress && jobId !== undefined) {
        options.reactions.onProgress(jobId);
      } else if (kind === JOB_ABORT_REQUESTED && jobId !== undefined) {
        options.reactions.onAbortRequested(jobId);
      } else if (kind === MOVE_EVENTS.done) {
        await options.reactions.onMoveOutcome({ done: MoveDone.parse(event) });
      } else if (kind === MOVE_EVENTS.failed) {
        await options.reactions.onMoveOutcome({ failed: MoveFailed.parse(event) });
      }
    },
  });
}
