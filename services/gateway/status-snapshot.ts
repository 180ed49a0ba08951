import { PytarchiveError } from "../../shared/errors/index.ts";
import type { CommandReply, CommandVerb } from "../../shared/messages/index.ts";
import type { CommandExecutor } from "./execute-command.ts";

/** Finished tasks the status page lists. */
const HISTORY_ON_PAGE = 10;

/** Everything the status page shows, read at one moment; a part that could not be read is null. */
export interface StatusSnapshot {
  readonly libraryId: string;
  readonly generatedAt: Date;
  readonly queue: CommandReply<"queue"> | null;
  readonly tapes: CommandReply<"tapes"> | null;
  readonly library: CommandReply<"library"> | null;
  readonly history: CommandReply<"history"> | null;
  /** Why a part could not be shown, in the operator's words (e.g. the catalog is not running). */
  readonly problems: Readonly<Partial<Record<keyof SnapshotParts, string>>>;
}

/** Which parts to read again; the others are taken from `previous`. */
export interface SnapshotParts {
  readonly queue: boolean;
  readonly tapes: boolean;
  readonly library: boolean;
  readonly history: boolean;
}

export const ALL_PARTS: SnapshotParts = { queue: true, tapes: true, library: true, history: true };

/**
 * Reads the parts of the status page through the same commands the CLI uses (`queue`, `tapes`,
 * `library`, `history`), each on its own: one that fails leaves the others shown, with why.
 *
 * @example
 * const snapshot = await readStatusSnapshot(execute, "default"); // { queue, tapes, library, history, problems }
 */
export async function readStatusSnapshot(
  execute: CommandExecutor,
  libraryId: string,
  parts: SnapshotParts = ALL_PARTS,
  previous: StatusSnapshot | null = null,
): Promise<StatusSnapshot> {
  const problems: Partial<Record<keyof SnapshotParts, string>> = {};
  for (const [part, problem] of Object.entries(previous?.problems ?? {})) {
    if (!parts[part as keyof SnapshotParts]) problems[part as keyof SnapshotParts] = problem;
  }
  const read = async <V extends CommandVerb>(
    verb: V & keyof SnapshotParts,
    request: object,
  ): Promise<CommandReply<V> | null> => {
    if (!parts[verb]) return (previous?.[verb] ?? null) as CommandReply<V> | null;
    try {
      return (await execute(verb, request)) as CommandReply<V>;
    } catch (error) {
      problems[verb] =
        error instanceof PytarchiveError
          ? `${verb}: ${error.message}`
          : `${verb}: could not be read (see the gateway's log)`;
      return null;
    }
  };
  const [queue, tapes, library, history] = await Promise.all([
    read("queue", {}),
    read("tapes", {}),
    read("library", {}),
    read("history", { limit: HISTORY_ON_PAGE }),
  ]);
  return {
    libraryId,
    generatedAt: new Date(),
    queue,
    tapes,
    library,
    history,
    problems,
  };
}
