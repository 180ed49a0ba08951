import { describeBytes } from "../../shared/format/index.ts";
import {
  TapeNotFormattedError,
  volumeSerialFromBarcode,
} from "../../shared/hardware/ltfs/index.ts";
import type { CatalogReply } from "../../shared/messages/index.ts";
import type { StepDefinition } from "../../shared/steps/index.ts";
import { mountsReadOnly, tapeOfJob } from "../../shared/steps/index.ts";
import { checkTapeAgainstCatalog } from "./consistency-check.ts";
import { ownTargetNameOf } from "./job-arguments.ts";
import { LTFS_SERVICE_ERROR_CODES as CODES, ltfsServiceError } from "./ltfs-service-errors.ts";
import { type DriveSession, ensureTapeMounted, type MountedTape } from "./mount-tape.ts";
import { driveSessionOf, type LtfsStepDependencies, recordTapeSpace } from "./step-dependencies.ts";

export const MOUNT_STEP = "mount";

type TapeContents = CatalogReply<"tape-contents">;

/**
 * The `mount` step: mounts the job's tape in its drive (read-write for archive jobs, read-only
 * otherwise), formatting it first when it is blank and the catalog agrees that it is, recovering
 * it with ltfsck after an unclean unmount, then checks it against the catalog and records its
 * space. Already mounted in the right mode: only the check and the space.
 */
export function mountStep(deps: LtfsStepDependencies): StepDefinition {
  return {
    async run({ job, log, progress }) {
      const barcode = await tapeOfJob(job, deps.catalog);
      const session = driveSessionOf(deps, { job, log, progress }, barcode);
      const readOnly = mountsReadOnly(job.kind);
      const contents = await deps.catalog.call("tape-contents", { barcode });
      const tape = contents.tape;
      if (tape === null) {
        throw ltfsServiceError(
          CODES.unknownTape,
          `Tape ${barcode} is not in the catalog, so job ${job.id} cannot use it; nothing was mounted.`,
          "The changer records every cartridge when it starts: restart it after adding cartridges.",
        );
      }

      const importing = job.kind === "import-tape";
      let mounted: MountedTape;
      try {
        mounted = await ensureTapeMounted(session, {
          readOnly,
          onBlank: async (error) => {
            if (importing) throw error;
            if (readOnly || holdsData(contents)) throw blankTapeError(session, contents, job.kind);
            const volumeSerial = volumeSerialFromBarcode(barcode);
            const text = `tape ${barcode} is blank: formatting it with LTFS (volume serial ${volumeSerial})`;
            session.log.info(text, { volumeSerial });
            progress({ text });
            await session.drive.format({ volumeSerial });
            await deps.catalog.call("tape-update", {
              barcode,
              jobId: job.id,
              state: "formatted",
              volumeSerial,
            });
          },
        });
      } catch (error) {
        // A blank tape holds nothing to import: the import step finds nothing mounted and says so.
        if (importing && error instanceof TapeNotFormattedError) {
          session.log.info("the tape is blank: nothing to mount for the import");
          return { summary: `tape ${barcode} is blank (not LTFS-formatted): nothing to import` };
        }
        throw error;
      }
      if (tape.state === "blank" && !mounted.formatted) {
        // Formatted elsewhere, or by a run of this step that stopped before recording it.
        const volumeSerial = mounted.volumeSerial ?? serialOrNull(barcode);
        session.log.info("the catalog had this tape as blank, but it is formatted", {
          volumeSerial,
        });
        await deps.catalog.call("tape-update", {
          barcode,
          jobId: job.id,
          state: "formatted",
          ...(volumeSerial === null ? {} : { volumeSerial }),
        });
      }

      if (importing) {
        // An import records what the tape holds: the catalog is not the truth to check it by.
        const space = await recordTapeSpace(deps, session, job);
        return { summary: summaryOf(session, mounted, contents, space) };
      }
      progress({ text: `checking tape ${barcode} against the catalog` });
      const check = await checkTapeAgainstCatalog({
        mountPoint: session.drive.mountPoint,
        barcode,
        driveElement: session.driveConfig.element,
        folders: contents.folders,
        ownTargetName: ownTargetNameOf(job),
        catalog: deps.catalog,
        log: session.log,
      });
      if (check.incomplete.length > 0) {
        session.log.info("incomplete copies on the tape (folders without a manifest)", {
          names: check.incomplete,
        });
      }
      const space = await recordTapeSpace(deps, session, job);
      return { summary: summaryOf(session, mounted, contents, space) };
    },
  };
}

function holdsData(contents: TapeContents): boolean {
  return contents.tape?.state !== "blank" || contents.folders.length > 0;
}

function blankTapeError(session: DriveSession, contents: TapeContents, kind: string) {
  const { barcode, driveConfig } = session;
  if (holdsData(contents)) {
    return ltfsServiceError(
      CODES.catalogMismatch,
      `The catalog says tape ${barcode} holds data (${contents.tape?.state ?? "unknown"}, ${contents.folders.length} folder${contents.folders.length === 1 ? "" : "s"} archived), but the tape in drive ${driveConfig.element} is blank: wrong cartridge? Nothing was written, and the tape was not formatted.`,
      `Check that the cartridge labelled ${barcode} is the tape the catalog means (labels can be swapped); a tape that should hold archives is never formatted by pytarchive.`,
    );
  }
  return ltfsServiceError(
    CODES.tapeBlank,
    `Tape ${barcode} in drive ${driveConfig.element} is blank (not LTFS-formatted), so there is nothing on it to ${kind === "explore" ? "explore" : "read"}.`,
    "Only an archive job formats a blank tape; check the barcode.",
  );
}

function serialOrNull(barcode: string): string | null {
  try {
    return volumeSerialFromBarcode(barcode);
  } catch {
    return null;
  }
}

function summaryOf(
  session: DriveSession,
  mounted: MountedTape,
  contents: TapeContents,
  space: { totalBytes: number; freeBytes: number },
): string {
  const { barcode, driveConfig, drive } = session;
  const how = [
    mounted.how === "already" ? "was already mounted" : "mounted",
    mounted.formatted ? "after formatting it" : null,
    mounted.recovered ? "after ltfsck recovered it" : null,
    mounted.remounted ? "after unmounting it from the other mode" : null,
  ]
    .filter((part) => part !== null)
    .join(" ");
  const folders = contents.folders.length;
  return `tape ${barcode} ${how}, ${mounted.readOnly ? "read-only" : "read-write"} in drive ${driveConfig.element} at ${drive.mountPoint}; ${folders} archived folder${folders === 1 ? "" : "s"} as the catalog says; ${describeBytes(space.totalBytes - space.freeBytes)} of ${describeBytes(space.totalBytes)} used`;
}
