import { PytarchiveError } from "../../errors/index.ts";

/** Stable codes of every exportfs failure. */
export const EXPORTFS_ERROR_CODES = {
  unparseable: "EXPORTFS_OUTPUT_UNPARSEABLE",
  requiresFsid: "EXPORTFS_REQUIRES_FSID",
  failed: "EXPORTFS_FAILED",
} as const;

export type ExportfsErrorCode = (typeof EXPORTFS_ERROR_CODES)[keyof typeof EXPORTFS_ERROR_CODES];

/** An exportfs failure, with the `client:path` concerned when there is one. */
export class ExportfsError extends PytarchiveError {
  readonly target: string | null;

  constructor(code: ExportfsErrorCode, message: string, hint: string, target: string | null) {
    super(code, message, { hint });
    this.name = new.target.name;
    this.target = target;
  }
}

/** Output that is not the `exportfs -v` (or `exportfs`, `exportfs -s`) listing. */
export class ExportfsOutputUnparseableError extends ExportfsError {
  readonly line: string;

  constructor(line: string, why: string) {
    super(
      EXPORTFS_ERROR_CODES.unparseable,
      `Not an exportfs listing line (${why}): ${JSON.stringify(line)}`,
      "List exports with `exportfs -v`; the `exporting …` lines of `exportfs -rav` are progress, not a listing.",
      null,
    );
    this.line = line;
  }
}

/** The kernel will only export a FUSE file system such as LTFS when it is given an fsid. */
export class ExportRequiresFsidError extends ExportfsError {
  constructor(target: string) {
    super(
      EXPORTFS_ERROR_CODES.requiresFsid,
      `${target} cannot be exported over NFS without an fsid= option (exportfs: requires fsid= for NFS export)`,
      "Add a unique fsid to the export options, e.g. `settings = ro,fsid=1` in the [Export] section of pytarchive.conf.",
      target,
    );
  }
}

/** exportfs exited with an error (it prints "exportfs: <message>" and exits 1). */
export class ExportfsFailedError extends ExportfsError {
  readonly lines: readonly string[];

  constructor(
    args: readonly string[],
    exitCode: number | null,
    lines: readonly string[],
    target: string | null,
  ) {
    super(
      EXPORTFS_ERROR_CODES.failed,
      `exportfs ${args.join(" ")} ${exitCode === null ? "was stopped" : `exited with status ${exitCode}`}${lines.length > 0 ? `: ${lines.slice(-4).join("; ")}` : ""}`,
      "Check that the NFS server (nfs-kernel-server) is installed and running, and that the path exists and is mounted.",
      target,
    );
    this.lines = lines;
  }
}
