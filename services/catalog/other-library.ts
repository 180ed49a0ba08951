import type { PytarchiveError } from "../../shared/errors/index.ts";
import { CATALOG_REFUSAL_CODES, refuse } from "./catalog-errors.ts";
import type { JobKind, JobRow, JsonObject, TapeRow } from "./db/index.ts";

/*
 * Several tape libraries may share one catalog; each catalog service answers for its own
 * (`[NATS] library_id`). A command about another library's tape or job is refused with the
 * command to run there, rather than routed: the other library's services own its changer and
 * queue, and the CLI reaches them by its library id alone.
 */

/** How a user asks library `libraryId` instead of the configured one, for `command`. */
export function inLibraryCommand(libraryId: string, command: string): string {
  return `PYTARCHIVE_LIBRARY_ID=${libraryId} ${command}`;
}

/**
 * The refusal of a job about `tape`, which sits in another library than `here`: names that
 * library and the same command to run there.
 *
 * @example
 * tapeInOtherLibrary(tape, "hera", "restore /srv/a from it", "pytarchive restore /srv/a /tmp/a");
 * // TAPE_IN_OTHER_LIBRARY: "Tape B00001L9 is in library 'zeus', not in 'hera' …"
 */
export function tapeInOtherLibrary(
  tape: Pick<TapeRow, "barcode" | "libraryId">,
  here: string,
  action: string,
  command: string,
): PytarchiveError {
  return refuse(
    CATALOG_REFUSAL_CODES.tapeInOtherLibrary,
    `Tape ${tape.barcode} is in library '${tape.libraryId}', not in library '${here}' that this pytarchive serves, so it cannot ${action} here. Nothing was queued.`,
    `Run it in library '${tape.libraryId}': \`${inLibraryCommand(tape.libraryId, command)}\` (or on a host whose [NATS] library_id is ${tape.libraryId}; where libraries share NATS with a user each, with ${tape.libraryId}'s operator credentials in $PYTARCHIVE_NATS_CREDENTIALS).`,
  );
}

/** The refusal of an action on a job that runs in another library than `here`. */
export function jobInOtherLibrary(
  job: Pick<JobRow, "id" | "libraryId">,
  here: string,
  action: string,
): PytarchiveError {
  return refuse(
    CATALOG_REFUSAL_CODES.jobInOtherLibrary,
    `Job ${job.id} runs in library '${job.libraryId}', not in library '${here}' that this pytarchive serves, so it cannot ${action} it. Nothing was changed.`,
    `Ask library '${job.libraryId}': \`${inLibraryCommand(job.libraryId, "pytarchive queue")}\`.`,
  );
}

/** The CLI command that queues a job of `kind` with `args` (for the hints above). */
export function commandOf(kind: JobKind, args: JsonObject): string {
  const words = (...parts: (string | false)[]) =>
    ["pytarchive", ...parts.filter((part): part is string => part !== false)].join(" ");
  const arg = (key: string) => shellWord(String(args[key] ?? ""));
  const has = (key: string) => args[key] !== undefined && args[key] !== null;
  switch (kind) {
    case "archive":
      return words(
        "archive",
        arg("folder"),
        arg("tape"),
        has("targetName") && `-t ${arg("targetName")}`,
      );
    case "restore":
      return words(
        "restore",
        arg("folder"),
        arg("target"),
        has("subfolder") && `-s ${arg("subfolder")}`,
      );
    case "verify":
      return words("verify", args.adopt === true && "--adopt", arg("target"));
    case "explore":
      return words("explore", arg("tape"), has("seconds") && `-t ${arg("seconds")}`);
    case "import-tape":
      return words("import-tape", arg("tape"));
    default:
      return words(kind);
  }
}

/** `text` as one shell word: as it is when plain, else in single quotes. */
function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
