import { rm } from "node:fs/promises";
import type { Logger } from "../../shared/logging/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import { PARTIAL_SUFFIX } from "./engine/index.ts";
import type { PackedLedger, PackedRecord } from "./packed-ledger.ts";

/**
 * Why a recorded archive may go, or null while it is needed: its folder is being prepared (the
 * archive may be in the making), or refers to it and is not yet archived and read back (or
 * `keepPacked` keeps it even then).
 */
export function removalReason(
  record: PackedRecord,
  folder: { state: string; archivePath: string | null; verifiedAt: string | null } | null,
  keepPacked: boolean,
): string | null {
  if (folder === null) return "the catalog knows no such folder";
  if (folder.state === "preparing") return null;
  if (folder.archivePath !== record.archive) return "its folder no longer refers to it";
  if (folder.state !== "archived" || folder.verifiedAt === null) return null;
  return keepPacked ? null : "its folder is archived and was read back";
}

/**
 * Removes the packed archives this service recorded that nothing needs any more (see
 * removalReason), with their ledger records. Only recorded archives are looked at: a file in
 * scratch_path that pytarchive did not write is never touched. A folder the catalog cannot be
 * asked about now is left for the next sweep. Resolves with the archives removed.
 */
export async function sweepPackedArchives(options: {
  readonly ledger: PackedLedger;
  readonly catalog: CatalogClient;
  readonly keepPacked: boolean;
  readonly log: Logger;
}): Promise<string[]> {
  const removed: string[] = [];
  for (const record of await options.ledger.list()) {
    let folder: Parameters<typeof removalReason>[1];
    try {
      ({ folder } = await options.catalog.call("folder-get", { path: record.folder }));
    } catch (error) {
      options.log.debug("packed archive left for the next clean-up", {
        archive: record.archive,
        error,
      });
      continue;
    }
    const reason = removalReason(record, folder, options.keepPacked);
    if (reason === null) continue;
    await rm(record.archive, { force: true });
    await rm(`${record.archive}${PARTIAL_SUFFIX}`, { force: true });
    await options.ledger.forget(record.archive);
    options.log.info("packed archive removed from scratch_path", {
      archive: record.archive,
      folder: record.folder,
      reason,
    });
    removed.push(record.archive);
  }
  return removed;
}

export interface PackedSweeper {
  /** Stops sweeping; resolves when a sweep under way has ended. */
  stop(): Promise<void>;
}

/**
 * Sweeps now (what a crash or an older run left) and then every `everyMs` (folders archived
 * and read back meanwhile). Sweeps never overlap; a failed one is logged and the next tries again.
 */
export function startSweepingPacked(options: {
  readonly ledger: PackedLedger;
  readonly catalog: CatalogClient;
  readonly keepPacked: boolean;
  readonly log: Logger;
  readonly everyMs: number;
}): PackedSweeper {
  const { everyMs, ...sweepOptions } = options;
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = sweeping
      .then(() => sweepPackedArchives(sweepOptions))
      .catch((error: unknown) => options.log.warn("cleaning scratch_path failed", { error }));
  };
  sweep();
  const sweeper = setInterval(sweep, everyMs);
  return {
    async stop() {
      clearInterval(sweeper);
      await sweeping;
    },
  };
}
