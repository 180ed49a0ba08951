import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { listExports } from "../../shared/hardware/exportfs/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import type { CatalogClient } from "../../shared/nats/index.ts";
import { nfsExportOf, samePath, withdrawExports } from "./nfs-export.ts";

/**
 * On start: withdraws the exports of configured drives' mount points that no running explore
 * job holds (a crash of this service left them, and nothing else would ever withdraw them).
 * An export whose job still runs is kept: its step is delivered again and takes it over.
 * Returns the mount points withdrawn.
 */
export async function withdrawLeftoverExports(options: {
  readonly config: PytarchiveConfig;
  readonly catalog: CatalogClient;
  readonly log: Logger;
}): Promise<string[]> {
  const { config, catalog, log } = options;
  const listed = await listExports({ exportfsPath: config.tools.exportfs });
  const exported = config.device.drives.filter((drive) =>
    listed.some((entry) => samePath(entry.path, drive.mountPoint)),
  );
  if (exported.length === 0) return [];
  const { running } = await catalog.call("queue", {});
  const withdrawn: string[] = [];
  for (const drive of exported) {
    const holder = running.find((job) => job.kind === "explore" && job.drive === drive.element);
    if (holder !== undefined) {
      log.info("export kept: its explore job still runs", {
        jobId: holder.id,
        mountPoint: drive.mountPoint,
      });
      continue;
    }
    const clients = await withdrawExports(nfsExportOf(config, drive.mountPoint));
    log.warn("withdrew an export no running explore job holds (left by a crash)", {
      mountPoint: drive.mountPoint,
      clients,
    });
    withdrawn.push(drive.mountPoint);
  }
  return withdrawn;
}
