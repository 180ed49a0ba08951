import type { JobFailed } from "../../shared/messages/index.ts";
import { describeStep } from "./failed-step-words.ts";

/** What the notifier knows about a failed job: the event, and the job when the catalog has it. */
export interface FailedJob {
  readonly event: JobFailed;
  /** Kind and arguments from the catalog; null when it no longer knows the job. */
  readonly job: {
    readonly kind: string;
    readonly args: Readonly<Record<string, unknown>>;
    /** The drive a tape job held. */
    readonly drive?: number | null;
  } | null;
  /** The tape of the job's folder when its arguments do not name one (restore, verify). */
  readonly folderTape?: string | null;
  readonly libraryId: string;
  /** The host the notifier runs on, so admins of several libraries know where to look. */
  readonly hostName: string;
  /** The library is a simulation ([Device] simulate): said in the subject and the text. */
  readonly simulated?: boolean;
}

/** The line a mail about a simulated library starts with. */
export const SIMULATED_LIBRARY_LINE =
  "SIMULATED library ([Device] simulate): its tapes are loop images; nothing on them is an archive.";

/** The folder and tape a job was about, from its arguments (null: it names none). */
export function subjectOf(failed: FailedJob): {
  folder: string | null;
  tape: string | null;
  drive: number | null;
} {
  const args = failed.job?.args ?? {};
  const text = (key: string) => (typeof args[key] === "string" ? (args[key] as string) : null);
  const target = text("target");
  const folders = Array.isArray(args.folders) ? args.folders.map(String) : [];
  const targetIsFolder = target?.startsWith("/") === true;
  return {
    folder:
      text("folder") ?? (targetIsFolder ? target : folders.length > 0 ? folders.join(", ") : null),
    tape:
      text("tape") ??
      (target !== null && !targetIsFolder ? target : null) ??
      failed.folderTape ??
      null,
    drive: typeof failed.job?.drive === "number" ? failed.job.drive : null,
  };
}

/**
 * The failure mail (subject `<failureSubject> — <kind> <jobId>`) and the chat post: the folder,
 * the tape (and drive), the step that failed, the error and its hint, what to run next.
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
  const { folder, tape, drive } = subjectOf(failed);
  const argumentLines = formatArguments(job?.args ?? {});
  const simulated = failed.simulated === true;
  const tapeText = tape === null ? null : `${tape}${drive === null ? "" : ` (drive ${drive})`}`;
  const text = [
    ...(simulated ? [SIMULATED_LIBRARY_LINE, ""] : []),
    `A pytarchive job failed on ${failed.hostName} (library ${failed.libraryId}${simulated ? ", SIMULATED" : ""}).`,
    "",
    `Job:        ${event.jobId}`,
    `Kind:       ${job?.kind ?? "unknown (the catalog no longer has this job)"}`,
    ...(folder === null ? [] : [`Folder:     ${folder}`]),
    ...(tapeText === null ? [] : [`Tape:       ${tapeText}`]),
    `Arguments:  ${argumentLines[0] ?? "(none)"}`,
    ...argumentLines.slice(1).map((line) => `            ${line}`),
    `Step:       ${describeStep(event.step)}, attempt ${event.attempt}`,
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
  const about = [
    folder === null ? null : `of ${folder}`,
    tapeText === null ? null : `${kind === "archive" ? "to" : "on"} tape ${tapeText}`,
  ]
    .filter((part) => part !== null)
    .join(" ");
  return {
    subject: `${failureSubject} — ${kind} ${event.jobId}${simulated ? " (simulated library)" : ""}`,
    text,
    chat: `pytarchive${simulated ? " (SIMULATED library)" : ""}: ${kind} job ${event.jobId}${about === "" ? "" : ` ${about}`} failed at step ${describeStep(event.step)}: ${error.message} [${error.code}]${error.hint ? ` What to do: ${error.hint}` : ""} (then \`pytarchive requeue ${event.jobId}\`)`,
  };
}

/** `folder = /srv/projects/alpha`, one per argument; texts as they are, the rest as JSON. */
function formatArguments(args: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(args).map(
    ([name, value]) => `${name} = ${typeof value === "string" ? value : JSON.stringify(value)}`,
  );
}
