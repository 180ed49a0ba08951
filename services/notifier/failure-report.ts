import type { JobFailed } from "../../shared/messages/index.ts";

/** What the notifier knows about a failed job: the event, and the job when the catalog has it. */
export interface FailedJob {
  readonly event: JobFailed;
  /** Kind and arguments from the catalog; null when it no longer knows the job. */
  readonly job: { readonly kind: string; readonly args: Readonly<Record<string, unknown>> } | null;
  readonly libraryId: string;
  /** The host the notifier runs on, so admins of several libraries know where to look. */
  readonly hostName: string;
  /** The library is a simulation ([Device] simulate): said in the subject and the text. */
  readonly simulated?: boolean;
}

/** The line a mail about a simulated library starts with. */
export const SIMULATED_LIBRARY_LINE =
  "SIMULATED library ([Device] simulate): its tapes are loop images; nothing on them is an archive.";

/**
 * The failure mail (subject `<failureSubject> — <kind> <jobId>`) and the one-line chat summary.
 *
 * @example
 * describeFailure(failed, "pyarchive: Task failed").subject; // "pyarchive: Task failed — archive 3fa2b1c0"
 */
export function describeFailure(
  failed: FailedJob,
  failureSubject: string,
): { subject: string; text: string; chat: string } {
  const { event, job } = failed;
  const kind = job?.kind ?? "job";
  const { error } = event;
  const argumentLines = formatArguments(job?.args ?? {});
  const simulated = failed.simulated === true;
  const text = [
    ...(simulated ? [SIMULATED_LIBRARY_LINE, ""] : []),
    `A pytarchive job failed on ${failed.hostName} (library ${failed.libraryId}${simulated ? ", SIMULATED" : ""}).`,
    "",
    `Job:        ${event.jobId}`,
    `Kind:       ${job?.kind ?? "unknown (the catalog no longer has this job)"}`,
    `Arguments:  ${argumentLines[0] ?? "(none)"}`,
    ...argumentLines.slice(1).map((line) => `            ${line}`),
    `Step:       ${event.step} (attempt ${event.attempt})`,
    `Failed at:  ${event.at}`,
    `Error:      ${error.message} [${error.code}]`,
    `Hint:       ${error.hint ?? "(none)"}`,
    "",
    "What to do:",
    `  pytarchive queue              lists running, queued and failed jobs, with this error`,
    `  pytarchive requeue ${event.jobId}   runs the job again, once the cause is fixed`,
    `  pytarchive abort ${event.jobId}     drops it, if it should not run again`,
    "",
  ].join("\n");
  return {
    subject: `${failureSubject} — ${kind} ${event.jobId}${simulated ? " (simulated library)" : ""}`,
    text,
    chat: `pytarchive${simulated ? " (SIMULATED library)" : ""}: ${kind} job ${event.jobId} failed at step ${event.step}: ${error.message}${error.hint ? ` Hint: ${error.hint}` : ""} (pytarchive requeue ${event.jobId})`,
  };
}

/** `folder = /srv/projects/alpha`, one per argument; texts as they are, the rest as JSON. */
function formatArguments(args: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(args).map(
    ([name, value]) => `${name} = ${typeof value === "string" ? value : JSON.stringify(value)}`,
  );
}
