import type { JetStreamClient } from "@nats-io/jetstream";
import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { describeDuration } from "../../shared/format/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { defineMessage, JOB_ARGUMENT_SCHEMAS } from "../../shared/messages/index.ts";
import { requestMail, sleep } from "../../shared/nats/index.ts";
import type { StepDefinition, StepRun } from "../../shared/steps/index.ts";
import { driveOfJob } from "../../shared/steps/index.ts";
import { clockUtc } from "./describe-time.ts";
import { exploreMail } from "./explore-mail.ts";
import { EXPORT_ERROR_CODES as CODES } from "./export-errors.ts";
import {
  exportTape,
  type NfsExport,
  nfsExportOf,
  withdrawExports,
  withdrawTape,
} from "./nfs-export.ts";

/** The step of an explore job (`pytarchive explore TAPE`) this service does. */
export const EXPORT_STEP = "export";

const ExploreArguments = defineMessage("explore job arguments", JOB_ARGUMENT_SCHEMAS.explore);

export interface ExportStepDependencies {
  readonly config: PytarchiveConfig;
  /** Mail requests go to the notifier's queue through it. */
  readonly js: JetStreamClient;
  /** This host as NFS clients reach it, named in the mail and the progress. */
  readonly hostName: string;
  /** How often the time left is reported while the tape is exported. */
  readonly tickMs: number;
}

/**
 * The `export` step of an explore job. The tape is mounted read-only at the drive's mount point
 * when it comes; the step exports it over NFS (`[Export] to`, `settings`), confirms the export
 * with `exportfs -v`, asks the notifier to mail the requester when the job has an `email`,
 * keeps it for the job's `seconds` while reporting the time left, then withdraws it: unexport,
 * confirm, `fuser -km` so that the unmount that follows succeeds. An abort (or the service
 * stopping) withdraws it the same way at once. A redelivery first withdraws what an earlier run
 * left, then exports again for the full time.
 */
export function exportStep(deps: ExportStepDependencies): StepDefinition {
  return {
    async run(run) {
      const { job, log } = run;
      if (job.kind !== "explore" || !ExploreArguments.is(job.args)) {
        throw new PytarchiveError(
          CODES.invalidJobArguments,
          `Job ${job.id} is a ${job.kind} job with arguments ${JSON.stringify(job.args)}, not an explore job's.`,
          { hint: "Check that every pytarchive service runs the same version." },
        );
      }
      const { tape, seconds, email } = job.args;
      const target = nfsExportOf(deps.config, driveOfJob(job, deps.config).mountPoint);
      const leftover = await withdrawExports(target);
      if (leftover.length > 0) {
        log.warn("withdrew an export an earlier run left", {
          mountPoint: target.mountPoint,
          clients: leftover,
        });
      }
      let failure: unknown = null;
      let summary = "";
      try {
        run.signal.throwIfAborted();
        summary = await exportFor(deps, run, { target, tape, seconds, email });
      } catch (error) {
        failure = error;
      }
      try {
        await withdrawTape(target, log);
      } catch (error) {
        // The first failure (or the abort) is the job's; this one the log keeps.
        if (failure === null && !run.signal.aborted) throw error;
        log.error("could not withdraw the export", { mountPoint: target.mountPoint, error });
      }
      if (failure !== null) throw failure;
      run.signal.throwIfAborted();
      return { summary };
    },
  };
}

/** Exports the tape, mails the requester and keeps the export until the time is up or the step stops. */
async function exportFor(
  deps: ExportStepDependencies,
  run: StepRun,
  explore: { target: NfsExport; tape: string; seconds: number; email: string | undefined },
): Promise<string> {
  const { job, item, log, signal } = run;
  const { target, tape, seconds } = explore;
  const address = `${deps.hostName}:${target.mountPoint}`;
  const entry = await exportTape(target, log);
  signal.throwIfAborted();
  const exportedAt = new Date();
  const withdrawnAt = new Date(exportedAt.getTime() + seconds * 1000);
  log.info("tape exported", {
    tape,
    address,
    client: target.client,
    options: entry.options.join(","),
    withdrawnAt: withdrawnAt.toISOString(),
  });
  if (explore.email !== undefined) {
    await mailRequester(deps, log, {
      // A redelivery exports anew, with a new withdrawal time: its mail must not be taken for a repeat.
      id: `${job.id}.explore.${item.attempt}${run.deliveryCount > 1 ? `.${run.deliveryCount}` : ""}`,
      to: explore.email,
      jobId: job.id,
      ...exploreMail({
        jobId: job.id,
        tape,
        subjectPrefix: deps.config.smtp.subjectPrefix,
        host: deps.hostName,
        mountPoint: target.mountPoint,
        client: target.client,
        exportedAt,
        withdrawnAt,
        simulated: deps.config.device.simulate,
      }),
    });
  }
  for (;;) {
    const leftMs = withdrawnAt.getTime() - Date.now();
    if (leftMs <= 0 || signal.aborted) break;
    run.progress({
      percent: Math.min(99, Math.floor((100 * (seconds * 1000 - leftMs)) / (seconds * 1000))),
      text: `exported to ${target.client} as ${address}; withdrawn in ${describeDuration(Math.ceil(leftMs / 1000) * 1000)} (at ${clockUtc(withdrawnAt, new Date())})`,
    });
    await sleep(Math.min(deps.tickMs, leftMs), signal);
  }
  return `tape ${tape} was exported to ${target.client} as ${address} for ${describeDuration(seconds * 1000)}`;
}

/**
 * Queues the mail with the notifier. A mail that cannot be queued does not end the export: the
 * job's progress (`pytarchive queue`) shows the address too.
 */
async function mailRequester(
  deps: ExportStepDependencies,
  log: Logger,
  mail: { id: string; to: string; jobId: string; subject: string; text: string },
): Promise<void> {
  try {
    await requestMail(deps.js, deps.config.nats.libraryId, { ...mail, to: [mail.to] });
    log.info("mail to the requester queued", { to: mail.to, mailId: mail.id });
  } catch (error) {
    log.warn("could not queue the mail to the requester; the export goes on", {
      to: mail.to,
      error,
    });
  }
}
