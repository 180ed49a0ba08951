import type { Kysely } from "kysely";
import { FOLDER_EVENTS } from "../../shared/messages/index.ts";
import { CATALOG_REFUSAL_CODES, refuse } from "./catalog-errors.ts";
import {
  type CatalogSchema,
  type FolderRow,
  inTransaction,
  lockFolderByPath,
  setArchivedFolderVerifiedAt,
} from "./db/index.ts";
import { type RecordedJobEvent, recordJobEvent } from "./job-events.ts";
import { runningJobOrThrow } from "./job-lifecycle.ts";

/**
 * The outcome of a fixity check (`verify`) of an archived folder. Passed: its verifiedAt becomes
 * `at`, with a `folder.verified` event. Failed: verifiedAt is cleared, so `deleteable` no longer
 * offers the original, and the problems go into a `folder.verify-failed` event. Refused unless a
 * running verify job of this folder (or of its tape) reports it.
 */
export async function recordFolderVerification(
  db: Kysely<CatalogSchema>,
  input: {
    jobId: string;
    path: string;
    ok: boolean;
    at: string;
    problems?: readonly string[];
    adopted?: boolean;
  },
): Promise<{ folder: FolderRow; events: RecordedJobEvent[] }> {
  return inTransaction(db, async (trx) => {
    const job = await runningJobOrThrow(trx, input.jobId, undefined, "record a verification of");
    const current = await lockFolderByPath(trx, input.path);
    if (current === null || current.state !== "archived") {
      throw refuse(
        current === null
          ? CATALOG_REFUSAL_CODES.folderNotFound
          : CATALOG_REFUSAL_CODES.folderNotArchived,
        `${input.path} is not archived${current === null ? " (the catalog does not know it)" : ` (it is ${current.state})`}, so no verification of it is recorded.`,
        "`pytarchive summary` lists the archived folders on each tape.",
      );
    }
    const target = job.args.target;
    if (job.kind !== "verify" || (target !== input.path && target !== current.tapeBarcode)) {
      throw refuse(
        CATALOG_REFUSAL_CODES.invalidArgument,
        `Job ${job.id} (${job.kind} of ${String(target ?? job.args.folder ?? "nothing")}) does not verify ${input.path}. Nothing was changed.`,
        "Only a verify job of the folder or of its tape records a verification; check that every pytarchive service runs the same version.",
      );
    }
    const adopted = input.adopted === true;
    if (adopted && job.args.adopt !== true) {
      throw refuse(
        CATALOG_REFUSAL_CODES.invalidArgument,
        `Job ${job.id} is a plain verify, not verify --adopt, so it cannot adopt ${input.path}. Nothing was changed.`,
        "Check that every pytarchive service runs the same version.",
      );
    }
    const at = new Date(input.at);
    if (
      input.ok &&
      !adopted &&
      (current.checksumsFrom === "tape" || current.checksumsFrom === null)
    ) {
      // Checksums hashed from the tape itself: reading it again compares it with itself, so the
      // folder stays archived, not verified, until `verify --adopt` compares it with the original.
      // None recorded (the original's database.json): a plain verify checked nothing either.
      return { folder: current, events: [] };
    }
    const folder = await setArchivedFolderVerifiedAt(trx, current.id, input.ok ? at : null, {
      adopted: adopted && input.ok,
    });
    // Locked and archived (checked above), so the update cannot miss it.
    if (folder === null) throw new Error(`folder ${input.path} changed inside its own lock`);
    const common = { jobId: job.id, path: input.path, tape: current.tapeBarcode ?? "" };
    const event = input.ok
      ? await recordJobEvent(trx, FOLDER_EVENTS.verified, job.id, {
          ...common,
          at: at.toISOString(),
        })
      : await recordJobEvent(trx, FOLDER_EVENTS.verifyFailed, job.id, {
          ...common,
          problems: [...(input.problems ?? [])],
          at: at.toISOString(),
        });
    return { folder, events: [event] };
  });
}
