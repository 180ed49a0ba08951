import { PytarchiveError } from "../../errors/index.ts";

/** A mount table line that is not in the expected format. */
export class MountTableUnparseableError extends PytarchiveError {
  readonly line: string;

  constructor(format: string, line: string) {
    super("MOUNT_TABLE_UNPARSEABLE", `Not a ${format} line: ${JSON.stringify(line)}`, {
      hint: "Check the mount table path in pytarchive.conf ([Paths] mount_table); it should be /proc/mounts.",
    });
    this.name = "MountTableUnparseableError";
    this.line = line;
  }
}
