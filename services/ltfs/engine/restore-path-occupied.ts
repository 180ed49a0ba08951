import { PytarchiveError } from "../../../shared/errors/index.ts";

/** Stable code of RestorePathOccupiedError. */
export const RESTORE_PATH_OCCUPIED = "RESTORE_PATH_OCCUPIED";

/**
 * Continuing a restore, a folder stands where the archive has a file. The interrupted run never
 * makes one there, so someone else did: it is theirs, and it is not deleted to make room.
 */
export class RestorePathOccupiedError extends PytarchiveError {
  readonly path: string;

  constructor(path: string) {
    super(
      RESTORE_PATH_OCCUPIED,
      `A folder ${path} is where the restore puts a file of the archive; pytarchive did not make it and does not delete it, so the restore stopped there.`,
      {
        hint: `Move ${path} out of the restore target (or remove it if it is not needed), then \`pytarchive requeue\` the restore.`,
      },
    );
    this.name = "RestorePathOccupiedError";
    this.path = path;
  }
}
