import { describe, expect, it } from "vitest";
import { archiveArgumentsOf, restoreArgumentsOf } from "../../../services/ltfs/job-arguments.ts";
import type { CatalogJob } from "../../../shared/messages/catalog-requests.ts";
import { catalogJob } from "../gateway/fake-catalog.ts";

/** A job as the catalog reports it, with only what these tests vary. */
function jobOf(id: string, kind: CatalogJob["kind"], args: CatalogJob["args"]): CatalogJob {
  return catalogJob({ id, kind, args });
}

describe("the LTFS service's reading of job arguments", () => {
  it("takes an archive job's folder, tape and name on tape, naming it after the folder path by default", () => {
    const job = jobOf("3fa2b1c0", "archive", { folder: "/data/projects/alpha", tape: "AAK788L9" });
    expect(archiveArgumentsOf(job)).toEqual({
      folder: "/data/projects/alpha",
      tape: "AAK788L9",
      targetName: "data_projects_alpha",
    });
  });

  it("refuses a job of another kind with INVALID_JOB_ARGUMENTS, naming job and arguments", () => {
    const job = jobOf("3fa2b1c0", "verify", { folder: "/data/projects/alpha" });
    expect(() => archiveArgumentsOf(job)).toThrow(
      expect.objectContaining({
        code: "INVALID_JOB_ARGUMENTS",
        message: expect.stringContaining(
          'Job 3fa2b1c0 is a verify job with arguments {"folder":"/data/projects/alpha"}',
        ),
      }),
    );
  });

  it("refuses a restore job whose arguments lack the target", () => {
    const job = jobOf("0badf00d", "restore", { folder: "/data/projects/alpha" });
    expect(() => restoreArgumentsOf(job)).toThrow(
      expect.objectContaining({ code: "INVALID_JOB_ARGUMENTS" }),
    );
  });
});
