import type { JetStreamClient } from "@nats-io/jetstream";
import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { requestChat, requestMail } from "../../shared/nats/index.ts";
import type { StepDefinition } from "../../shared/steps/index.ts";
import { formatInventoryReport, takeInventory } from "./engine/index.ts";

/** The step of an inventory job: measure, group, and hand the report to the notifier. */
export const REPORT_STEP = "report";

/**
 * Takes the inventory of the job's folders (a subfolder that does not answer within
 * `[Inventory] probe_timeout` is listed as unreadable, never waited for) and asks the notifier
 * to mail the report to the admins and post its summary to chat. The job's summary is the
 * report's subject line, so `pytarchive queue` and the job's events show it too.
 */
export function reportStep(deps: {
  readonly js: JetStreamClient;
  readonly config: PytarchiveConfig;
}): StepDefinition {
  const libraryId = deps.config.nats.libraryId;
  return {
    async run({ job, item, log, signal, progress }) {
      const folders = job.args.folders;
      if (!Array.isArray(folders) || !folders.every((folder) => typeof folder === "string")) {
        throw new PytarchiveError(
          "INVALID_JOB_ARGUMENTS",
          `Job ${job.id} is a ${job.kind} job with arguments ${JSON.stringify(job.args)}, not an inventory job's.`,
          { hint: "Check that every pytarchive service runs the same version." },
        );
      }
      const report = await takeInventory({
        folders,
        timeoutMs: deps.config.inventory.probeTimeoutSeconds * 1000,
        signal,
        onProgress: ({ done, total, current }) =>
          progress({
            percent: total === 0 ? 100 : (100 * done) / total,
            text: `measured ${done} of ${total} folders (last: ${current})`,
          }),
      });
      const formatted = formatInventoryReport(report);
      const requestId = `${job.id}.inventory.${item.attempt}`;
      await requestMail(deps.js, libraryId, {
        id: requestId,
        subject: formatted.subject,
        text: formatted.text,
        jobId: job.id,
      });
      await requestChat(deps.js, libraryId, { id: requestId, text: formatted.chat, jobId: job.id });
      log.info("inventory report handed to the notifier", {
        folders: folders.length,
        subject: formatted.subject,
      });
      return { summary: formatted.subject };
    },
  };
}
