import type { CatalogJob, QueueJob } from "../../shared/messages/index.ts";

/**
 * A job as the original's queue words it: "Archiving folder: /x to tape AAK788L9".
 *
 * @example
 * describeJob("explore", { tape: "AAK788L9", seconds: 600 }); // "Exploring tape AAK788L9 for 600 s"
 */
export function describeJob(kind: string, args: Readonly<Record<string, unknown>>): string {
  const text = (key: string): string => String(args[key] ?? "?");
  switch (kind) {
    case "prepare":
      return `Preparing folder: ${text("folder")}`;
    case "archive":
      return `Archiving folder: ${text("folder")} to tape ${text("tape")}`;
    case "restore": {
      const subfolder = typeof args.subfolder === "string" ? ` (subfolder ${args.subfolder})` : "";
      return `Restoring folder: ${text("folder")}${subfolder} to ${text("target")}`;
    }
    case "explore":
      return `Exploring tape ${text("tape")} for ${text("seconds")} s`;
    case "inventory": {
      const folders = Array.isArray(args.folders) ? args.folders.map(String) : [];
      return `Inventory of ${folders.join(", ")}`;
    }
    case "verify": {
      const target = text("target");
      return target.startsWith("/") ? `Verifying folder: ${target}` : `Verifying tape ${target}`;
    }
    default:
      return `${kind} ${JSON.stringify(args)}`;
  }
}

/** A catalog job as one line of `pytarchive queue`. */
export function toQueueJob(job: CatalogJob): QueueJob {
  return {
    id: job.id,
    kind: job.kind,
    priority: job.priority,
    state: job.state,
    description: describeJob(job.kind, job.args),
    progress: job.progress,
    progressFigures: job.progressFigures ?? null,
    error: job.error,
    attempts: job.attempts,
    createdAt: job.createdAt,
    args: job.args,
    abortRequested: job.abortRequested,
    drive: job.drive,
    finishedAt: job.finishedAt,
  };
}
