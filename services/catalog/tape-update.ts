import type { Kysely } from "kysely";
import type { CatalogTape } from "../../shared/messages/index.ts";
import { CATALOG_REFUSAL_CODES, refuse } from "./catalog-errors.ts";
import {
  type CatalogSchema,
  getArchivedKiB,
  inTransaction,
  listArchivedFoldersOnTape,
  lockTape,
  type TapeRow,
  type TapeUpdate,
  updateTape,
} from "./db/index.ts";
import { tapeToWire } from "./to-wire.ts";

export interface TapeFindings {
  readonly barcode: string;
  readonly state?: "formatted" | "full" | "blank";
  readonly volumeSerial?: string;
  readonly usedKiB?: number;
  readonly capacityKiB?: number;
}

/**
 * Records what the ltfs service learnt about a known tape; fields left out stay as they are.
 * blank → formatted sets formattedAt; back to blank (reformatted, wiped) forgets the LTFS volume
 * (serial, formattedAt, used space) and is refused while folders are archived on the tape. A
 * blank tape cannot be full, a retired one takes no new state, and a cleaning cartridge is never
 * written. Unknown tapes are refused (UNKNOWN_TAPE): only the changer's inventory adds tapes.
 */
export async function updateTapeFindings(
  db: Kysely<CatalogSchema>,
  input: TapeFindings,
  tapeMaxSizeKiB: number,
): Promise<{ tape: CatalogTape }> {
  return inTransaction(db, async (trx) => {
    const tape = await lockTape(trx, input.barcode);
    if (tape === null) {
      throw refuse(
        CATALOG_REFUSAL_CODES.unknownTape,
        `Tape ${input.barcode} is not in the catalog; nothing was recorded about it.`,
        "The changer records every cartridge in the library when it starts: restart it after adding cartridges.",
      );
    }
    if (tape.cleaning) {
      throw refuse(
        CATALOG_REFUSAL_CODES.cleaningTape,
        `Tape ${input.barcode} is a cleaning cartridge; nothing was recorded about it.`,
        "A cleaning cartridge is never formatted or written; check the barcode.",
      );
    }
    if (input.capacityKiB === 0) {
      throw refuse(
        CATALOG_REFUSAL_CODES.invalidArgument,
        `A capacity of 0 KiB for tape ${input.barcode} cannot be right; nothing was recorded.`,
        "Leave capacityKiB out when LTFS did not report the tape's size.",
      );
    }
    const changes: TapeUpdate = {
      barcode: input.barcode,
      ...(input.volumeSerial === undefined ? {} : { volumeSerial: input.volumeSerial }),
      ...(input.usedKiB === undefined ? {} : { usedKib: input.usedKiB }),
      ...(input.capacityKiB === undefined ? {} : { capacityKib: input.capacityKiB }),
    };
    if (input.state !== undefined && input.state !== tape.state) {
      await checkStateChange(trx, tape, input.state);
      changes.state = input.state;
      if (input.state === "formatted" && tape.state === "blank") changes.formattedAt = new Date();
      if (input.state === "blank") {
        changes.formattedAt = null;
        changes.volumeSerial = input.volumeSerial ?? null;
        changes.usedKib = input.usedKiB ?? null;
      }
    }
    const updated = await updateTape(trx, changes);
    // Locked above, so it cannot have gone.
    if (updated === null) throw new Error(`tape ${input.barcode} vanished inside its own lock`);
    return {
      tape: tapeToWire(updated, await getArchivedKiB(trx, input.barcode), tapeMaxSizeKiB),
    };
  });
}

async function checkStateChange(
  trx: Kysely<CatalogSchema>,
  tape: TapeRow,
  to: "formatted" | "full" | "blank",
): Promise<void> {
  const refused = (why: string, hint: string) =>
    refuse(
      CATALOG_REFUSAL_CODES.tapeStateConflict,
      `Tape ${tape.barcode} cannot become ${to}: ${why}. Nothing was recorded.`,
      hint,
    );
  if (tape.state === "retired") {
    throw refused(
      "it is retired",
      "A retired tape is not used again; `pytarchive tapes` lists the usable ones.",
    );
  }
  if (to === "full" && tape.state === "blank") {
    throw refused("it is blank", "A tape is formatted before anything is written to it.");
  }
  if (to === "blank") {
    const folders = await listArchivedFoldersOnTape(trx, tape.barcode);
    if (folders.length > 0) {
      const names = folders
        .slice(0, 3)
        .map((folder) => folder.targetName ?? folder.path)
        .join(", ");
      const more = folders.length > 3 ? ` and ${folders.length - 3} more` : "";
      throw refused(
        `the catalog has ${folders.length} folder${folders.length === 1 ? "" : "s"} archived on it (${names}${more})`,
        "`pytarchive summary` lists the folders on each tape; a tape holding archives is never treated as blank.",
      );
    }
  }
}
