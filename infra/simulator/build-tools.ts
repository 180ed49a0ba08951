import { bundledEntryPoints } from "../../bin/bundle-cache.mjs";

/**
 * The simulated tools run as separate processes, often (every `mtx status`, every mount).
 * Through tsx each start would compile the simulator (~0.35 s idle, over 1 s on a busy
 * machine); from the cached bundle a start is a bare `node`.
 */
export const BUNDLED_ENTRIES = {
  mtx: "infra/simulator/changer/mtx.ts",
  tapeinfo: "infra/simulator/changer/tapeinfo.ts",
  lsscsi: "infra/simulator/changer/lsscsi.ts",
  mkltfs: "infra/simulator/ltfs/mkltfs.ts",
  ltfs: "infra/simulator/ltfs/ltfs.ts",
  "ltfs-daemon": "infra/simulator/ltfs/ltfs-daemon.ts",
  ltfsck: "infra/simulator/ltfs/ltfsck.ts",
  exportfs: "infra/simulator/nfs/exportfs.ts",
  fuser: "infra/simulator/nfs/fuser.ts",
} as const;

/** Folder holding `<entry>.mjs` for every bundled entry, rebuilt when a source changed. */
export function simulatorBundleDir(): string {
  return bundledEntryPoints("simulator", BUNDLED_ENTRIES);
}
