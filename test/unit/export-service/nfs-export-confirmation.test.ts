import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  exportTape,
  type NfsExport,
  withdrawExports,
} from "../../../services/export/nfs-export.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import { writeShellScript } from "../../helpers/shell-script.ts";
import { makeTempDir, removeTempDirs } from "../config/config-test-helpers.ts";

/*
 * The export service believes the export table, not exportfs's exit status: an NFS server whose
 * exportfs says yes but whose table disagrees fails the export (or the withdrawal). The
 * stand-in exportfs plays such a server.
 */

const log = createLogger({ service: "export", stream: { write: () => true } });
const MOUNT_POINT = "/srv/ltfs0";
let dir: string;

beforeAll(() => {
  dir = makeTempDir();
});
afterAll(removeTempDirs);

function target(exportfs: string): NfsExport {
  return {
    exportfs,
    fuser: "fuser",
    mountTable: "/proc/mounts",
    client: "10.0.0.5",
    settings: "ro,fsid=1",
    mountPoint: MOUNT_POINT,
  };
}

describe("confirming an NFS export in the export table", () => {
  it("is EXPORT_NOT_CONFIRMED when exportfs succeeds but the table does not list the export", async () => {
    const exportfs = writeShellScript(dir, "exportfs-forgetful", "exit 0");
    await expect(exportTape(target(exportfs), log)).rejects.toMatchObject({
      code: "EXPORT_NOT_CONFIRMED",
      message:
        "exportfs reported 10.0.0.5:/srv/ltfs0 exported, but `exportfs -v` does not list it (it lists no exports at all).",
    });
  });

  it("is UNEXPORT_NOT_CONFIRMED when the export is still listed after withdrawing it", async () => {
    const exportfs = writeShellScript(
      dir,
      "exportfs-sticky",
      `if [ "$1" = "-v" ]; then printf '${MOUNT_POINT}\\t10.0.0.5(ro,fsid=1,sync,wdelay,hide,no_subtree_check,sec=sys,secure,root_squash,no_all_squash)\\n'; fi\nexit 0`,
    );
    await expect(withdrawExports(target(exportfs))).rejects.toMatchObject({
      code: "UNEXPORT_NOT_CONFIRMED",
    });
  });
});
