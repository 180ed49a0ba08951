import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { createCatalogClient } from "../../shared/nats/index.ts";
import { type ServiceStepWorkerOptions, startServiceStepWorker } from "../../shared/steps/index.ts";
import { CHECK_STEP, checkStep } from "./check-step.ts";
import { IMPORT_STEP, importStep } from "./import-step.ts";
import { VERIFY_STEP, verifyStep } from "./verify-step.ts";

export { type CheckFolderRequest, checkArchivedFolder, type FolderCheck } from "./check-folder.ts";
export { CHECK_STEP, type CheckStepDependencies, checkStep } from "./check-step.ts";
export { IMPORT_STEP, importStep, UNKNOWN_ORIGINAL_ROOT } from "./import-step.ts";
export { VERIFICATION_ERROR_CODES } from "./verification-errors.ts";
export { VERIFY_STEP, type VerifyStepDependencies, verifyStep } from "./verify-step.ts";

export interface VerificationServiceOptions extends ServiceStepWorkerOptions {}

/**
 * The verification service: the `verify` step of archive jobs (read the folder just written
 * back from the tape, then record its files and the folder archived) and the `check` step of
 * verify jobs (fixity audits of a folder or a whole tape). It consumes
 * `pyt.<lib>.work.verification.>` (durable consumer `verification`, one step per configured
 * drive at once) and only reads the tape the ltfs service mounted at the drive's mount point
 * (README.md).
 *
 * @example
 * runServices({ services: [createCatalogService(), createVerificationService(), schedulerService], config });
 */
export function createVerificationService(
  options: VerificationServiceOptions = {},
): ServiceDefinition {
  return {
    name: "verification",
    async start({ config, nc, js, log, signal }) {
      const libraryId = config.nats.libraryId;
      const catalog = createCatalogClient(nc, libraryId);
      const drives = config.device.drives;
      const worker = await startServiceStepWorker(
        { config, nc, js, log, signal },
        {
          service: "verification",
          steps: {
            [VERIFY_STEP]: verifyStep({ catalog, config }),
            [CHECK_STEP]: checkStep({ catalog, config }),
            [IMPORT_STEP]: importStep({ catalog, config }),
          },
          catalog,
          // One read-back per drive: each drive holds at most one job's tape.
          concurrency: Math.max(1, drives.length),
        },
        options,
      );
      const mountPoints = drives.map((drive) => drive.mountPoint).join(", ");
      log.info("verification service running", { drives: drives.length, mountPoints });
      return {
        async health() {
          return { ok: true, detail: `reads back tapes mounted at ${mountPoints}` };
        },
        // Stopping stops running read-backs; JetStream delivers them again after a restart.
        stop: () => worker.stop(),
      };
    },
  };
}

/** The verification service as the runner starts it. */
export const verificationService: ServiceDefinition = createVerificationService();
