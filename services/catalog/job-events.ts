import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "../../shared/logging/index.ts";
import {
  FOLDER_EVENTS,
  FolderArchived,
  FolderArchiving,
  FolderFailed,
  FolderImported,
  FolderPrepared,
  FolderVerified,
  FolderVerifyFailed,
  JOB_ABORT_REQUESTED,
  JOB_EVENTS,
  JobAborted,
  JobAbortRequested,
  JobCreated,
  JobFailed,
  JobFinished,
  JobProgress,
  JobQueued,
  JobStarted,
  type MessageDefinition,
  subjects,
} from "../../shared/messages/index.ts";
import { appendEvent, type JobRow, type JsonObject } from "./db/index.ts";

/** A job change recorded in the events table, waiting to be announced on JetStream. */
export interface RecordedJobEvent {
  readonly eventId: number;
  readonly jobId: string;
  readonly kind: string;
  readonly payload: JsonObject;
}

const MESSAGES: Readonly<Record<string, MessageDefinition<unknown>>> = {
  [JOB_EVENTS.created]: JobCreated as MessageDefinition<unknown>,
  [JOB_EVENTS.queued]: JobQueued as MessageDefinition<unknown>,
  [JOB_EVENTS.aborted]: JobAborted as MessageDefinition<unknown>,
  [JOB_ABORT_REQUESTED]: JobAbortRequested as MessageDefinition<unknown>,
  [JOB_EVENTS.started]: JobStarted as MessageDefinition<unknown>,
  [JOB_EVENTS.progress]: JobProgress as MessageDefinition<unknown>,
  [JOB_EVENTS.finished]: JobFinished as MessageDefinition<unknown>,
  [JOB_EVENTS.failed]: JobFailed as MessageDefinition<unknown>,
  [FOLDER_EVENTS.prepared]: FolderPrepared as MessageDefinition<unknown>,
  [FOLDER_EVENTS.failed]: FolderFailed as MessageDefinition<unknown>,
  [FOLDER_EVENTS.archiving]: FolderArchiving as MessageDefinition<unknown>,
  [FOLDER_EVENTS.archived]: FolderArchived as MessageDefinition<unknown>,
  [FOLDER_EVENTS.verified]: FolderVerified as MessageDefinition<unknown>,
  [FOLDER_EVENTS.verifyFailed]: FolderVerifyFailed as MessageDefinition<unknown>,
  [FOLDER_EVENTS.imported]: FolderImported as MessageDefinition<unknown>,
};

type Db = Parameters<typeof appendEvent>[0];

/** Appends the event row of a job change; call inside the transaction that made the change. */
export async function recordJobEvent(
  db: Db,
  kind: string,
  jobId: string,
  payload: JsonObject,
): Promise<RecordedJobEvent> {
  const row = await appendEvent(db, { jobId, kind, payload });
  return { eventId: row.id, jobId, kind, payload };
}

/** `job.created` then `job.queued`: a new job is recorded and waiting. */
export async function recordJobQueued(
  db: Db,
  job: JobRow,
  options: { created: boolean },
): Promise<RecordedJobEvent[]> {
  const at = new Date().toISOString();
  const events: RecordedJobEvent[] = [];
  if (options.created) {
    events.push(
      await recordJobEvent(db, JOB_EVENTS.created, job.id, {
        jobId: job.id,
        kind: job.kind,
        args: job.args,
        priority: job.priority,
        at,
      }),
    );
  }
  events.push(
    await recordJobEvent(db, JOB_EVENTS.queued, job.id, {
      jobId: job.id,
      kind: job.kind,
      priority: job.priority,
      attempt: job.attempts + 1,
      at,
    }),
  );
  return events;
}

/**
 * Announces recorded events on the library's events stream, after their transaction committed.
 * The events table is the record; a publish that fails is logged and not retried (the job itself
 * is safe in the catalog, and whoever runs jobs claims them from there). The message id makes a
 * repeated publish of the same row a duplicate JetStream drops.
 */
export async function publishJobEvents(
  js: JetStreamClient,
  libraryId: string,
  events: readonly RecordedJobEvent[],
  log: Logger,
): Promise<void> {
  const s = subjects(libraryId);
  for (const event of events) {
    const message = MESSAGES[event.kind];
    if (message === undefined || !message.is(event.payload)) {
      // An event the message schemas do not describe: the row stays the record.
      log.warn("job event recorded but not published: no message schema fits it", {
        jobId: event.jobId,
        eventKind: event.kind,
      });
      continue;
    }
    try {
      await js.publish(s.event(event.kind), message.encode(event.payload), {
        msgID: `${event.jobId}.${event.kind}.${event.eventId}`,
      });
    } catch (error) {
      log.warn("job event recorded but could not be published", {
        jobId: event.jobId,
        eventKind: event.kind,
        error,
      });
    }
  }
}
