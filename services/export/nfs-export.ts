import path from "node:path";
import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  type ExportEntry,
  exportFolder,
  listExports,
  unexportFolder,
} from "../../shared/hardware/exportfs/index.ts";
import { killUsersOf } from "../../shared/hardware/fuser/index.ts";
import { findMount, readMountTable } from "../../shared/hardware/mounts/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { EXPORT_ERROR_CODES as CODES } from "./export-errors.ts";
import { unconfirmedOptions } from "./export-options-match.ts";

/** One drive's mount point as this host exports it: to whom, how, with which tools. */
export interface NfsExport {
  readonly exportfs: string;
  readonly fuser: string;
  /** The mount table mount state is read from (normally /proc/mounts). */
  readonly mountTable: string;
  /** `[Export] to`: the host, network or pattern allowed to mount. */
  readonly client: string;
  /** `[Export] settings`: exportfs options. */
  readonly settings: string;
  readonly mountPoint: string;
}

/** How `config` exports the tape at `mountPoint`. */
export function nfsExportOf(config: PytarchiveConfig, mountPoint: string): NfsExport {
  return {
    exportfs: config.tools.exportfs,
    fuser: config.tools.fuser,
    mountTable: config.paths.mountTable,
    client: config.export.to,
    settings: config.export.settings,
    mountPoint,
  };
}

/**
 * Exports the mount point (`exportfs -o <settings> <client>:<mountPoint>`) and checks with
 * `exportfs -v` that it is listed for that client with those options: the export table, not
 * exportfs's exit status, is what NFS clients get (an /etc/exports entry may override options).
 */
export async function exportTape(target: NfsExport, log: Logger): Promise<ExportEntry> {
  const made = await exportFolder({
    exportfsPath: target.exportfs,
    client: target.client,
    path: target.mountPoint,
    options: target.settings,
  });
  if (made.warnings.length > 0) log.info("exportfs warned", { warnings: made.warnings });
  const listed = await listExports({ exportfsPath: target.exportfs });
  const entry = listed.find(
    (candidate) =>
      samePath(candidate.path, target.mountPoint) &&
      candidate.client.toLowerCase() === target.client.toLowerCase(),
  );
  if (entry === undefined) {
    throw new PytarchiveError(
      CODES.exportNotConfirmed,
      `exportfs reported ${made.target} exported, but \`exportfs -v\` does not list it${listed.length === 0 ? " (it lists no exports at all)" : ""}.`,
      {
        hint: "Check the NFS server (`systemctl status nfs-server`, `exportfs -v`) and the [Export] settings in pytarchive.conf, then requeue the job.",
      },
    );
  }
  const missing = unconfirmedOptions(target.settings, entry.options);
  if (missing.length > 0) {
    throw new PytarchiveError(
      CODES.exportNotConfirmed,
      `\`exportfs -v\` lists ${made.target} with (${entry.options.join(",")}), which lacks ${missing.join(", ")} of [Export] settings = ${target.settings}.`,
      {
        hint: "Another export of that folder (/etc/exports) may override them: compare with `exportfs -v`, fix the [Export] settings or /etc/exports, then requeue the job.",
      },
    );
  }
  return entry;
}

/**
 * Withdraws every export of the mount point (`exportfs -u <client>:<mountPoint>` for each client
 * `exportfs -v` lists it for) and checks that none is left. Returns the clients withdrawn.
 */
export async function withdrawExports(target: NfsExport): Promise<string[]> {
  const command = { exportfsPath: target.exportfs };
  const exported = (await listExports(command)).filter((entry) =>
    samePath(entry.path, target.mountPoint),
  );
  for (const entry of exported) {
    await unexportFolder({ ...command, client: entry.client, path: entry.path });
  }
  const left = (await listExports(command)).filter((entry) =>
    samePath(entry.path, target.mountPoint),
  );
  if (left.length > 0) {
    throw new PytarchiveError(
      CODES.unexportNotConfirmed,
      `${target.mountPoint} is still exported to ${left.map((entry) => entry.client).join(", ")} after \`exportfs -u\`, so the tape cannot be unmounted safely.`,
      {
        hint: "/etc/exports may list that folder: remove it there, run `exportfs -ra`, then requeue the job.",
      },
    );
  }
  return exported.map((entry) => entry.client);
}

/**
 * Ends (`fuser -km`) the processes of this host still using the tape, so that it can be
 * unmounted. Only when something is mounted there: on a bare folder `fuser -m` means the file
 * system that holds it (often /), and would end every process of the host.
 */
export async function endUsersOf(
  target: NfsExport,
): Promise<{ mounted: boolean; killedPids: number[] }> {
  const mounted = findMount(await readMountTable(target.mountTable), target.mountPoint) !== null;
  if (!mounted) return { mounted, killedPids: [] };
  const { killedPids } = await killUsersOf({
    fuserPath: target.fuser,
    mountPoint: target.mountPoint,
  });
  return { mounted, killedPids };
}

/** Unexports the tape, then ends what still uses it: what must happen before the unmount. */
export async function withdrawTape(target: NfsExport, log: Logger): Promise<void> {
  const clients = await withdrawExports(target);
  log.info("export withdrawn", { mountPoint: target.mountPoint, clients });
  const { mounted, killedPids } = await endUsersOf(target);
  if (!mounted) {
    log.info("nothing is mounted there; no process to end", { mountPoint: target.mountPoint });
  } else if (killedPids.length > 0) {
    log.warn("ended processes still using the tape", {
      mountPoint: target.mountPoint,
      pids: killedPids,
    });
  }
}

/** Whether two absolute paths name the same folder (trailing slashes and `.` ignored). */
export function samePath(a: string, b: string): boolean {
  const normal = (value: string) => path.posix.normalize(value).replace(/(.)\/+$/, "$1");
  return normal(a) === normal(b);
}
