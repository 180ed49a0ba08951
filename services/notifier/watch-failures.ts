import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "../../shared/logging/index.ts";
import { JOB_EVENTS, JobFailed, streamNames, subjects } from "../../shared/messages/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import {
  type RunningWorkConsumer,
  requestChat,
  requestMail,
  runWorkConsumer,
} from "../../shared/nats/index.ts";
import { describeFailure } from "./failure-report.ts";

export interface WatchFailuresOptions {
  readonly js: JetStreamClient;
  readonly libraryId: string;
  readonly catalog: CatalogClient;
  /** Subject of failure mails before ` — <kind> <jobId>`. */
  readonly failureSubject: string;
  readonly hostName: string;
  /** The library is a simulation ([Device] simulate): the mails say so. */
  readonly simulated: boolean;
  /** Older failures are not announced (the events stream keeps 30 days). */
  readonly maxAgeMs: number;
  readonly retryDelayMs?: (deliveryCount: number) => number;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

/**
 * Follows `job.failed` events through the durable consumer `notifier` on the events stream and
 * queues, for each, a mail to the admins and a chat line on the notifier's own work queue. The
 * request id `<jobId>.failed.<attempt>` makes a redelivered event a duplicate JetStream drops,
 * so one failure sends one mail; a requeued job that fails again is a new attempt and a new mail.
 */
export function watchFailures(options: WatchFailuresOptions): Promise<RunningWorkConsumer> {
  const s = subjects(options.libraryId);
  return runWorkConsumer({
    js: options.js,
    stream: streamNames(options.libraryId).events,
    durable: "notifier",
    filterSubject: s.event(JOB_EVENTS.failed),
    message: JobFailed,
    deadLetterSubject: s.deadLetter("notifier"),
    maxAckPending: 8,
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    log: options.log,
    signal: options.signal,
    handler: async (event) => {
      const log = options.log.child({ jobId: event.jobId, attempt: event.attempt });
      const ageMs = Date.now() - Date.parse(event.at);
      if (ageMs > options.maxAgeMs) {
        // A new notifier reads the whole events stream: do not mail a month of old failures.
        log.info("job failure not announced: it is older than the notifier looks back", {
          failedAt: event.at,
          maxAgeHours: options.maxAgeMs / 3_600_000,
        });
        return;
      }
      // The event has no kind or arguments; a catalog that does not answer makes this retry.
      const { job } = await options.catalog.call("job-get", { id: event.jobId });
      const report = describeFailure(
        {
          event,
          job,
          folderTape: await tapeOfFolder(options.catalog, job?.args ?? {}),
          libraryId: options.libraryId,
          hostName: options.hostName,
          simulated: options.simulated,
        },
        options.failureSubject,
      );
      const id = `${event.jobId}.failed.${event.attempt}`;
      const mail = await requestMail(options.js, options.libraryId, {
        id,
        subject: report.subject,
        text: report.text,
        jobId: event.jobId,
      });
      const chat = await requestChat(options.js, options.libraryId, {
        id,
        text: report.chat,
        jobId: event.jobId,
      });
      log.info(
        mail.duplicate && chat.duplicate
          ? "job failure already announced"
          : "job failure queued for mail and chat",
        { step: event.step, code: event.error.code },
      );
    },
  });
}

/**
 * The tape a restore's or a folder verify's folder is archived on (their arguments name no
 * tape); null for other jobs. A catalog that does not answer makes the event wait, as job-get.
 */
async function tapeOfFolder(
  catalog: CatalogClient,
  args: Readonly<Record<string, unknown>>,
): Promise<string | null> {
  if (typeof args.tape === "string") return null;
  const folder =
    typeof args.folder === "string"
      ? args.folder
      : typeof args.target === "string" && args.target.startsWith("/")
        ? args.target
        : null;
  if (folder === null) return null;
  return (await catalog.call("folder-get", { path: folder })).folder?.tapeBarcode ?? null;
}
