import type { Registry } from "prom-client";
import type { ChangerDriveState } from "../../shared/messages/index.ts";
import type { CatalogScrape } from "./catalog-metrics.ts";
import { oncePerScrape, registerScrapedFamily } from "./scraped-family.ts";

/** A drive is in exactly one of these: blocked wins over busy (a job holds it) over idle. */
const DRIVE_STATES = ["idle", "busy", "blocked"] as const;

/** Reads what the changer recorded for one drive (null: nothing recorded); throws when unreadable. */
export type DriveStateReader = (drive: number) => Promise<ChangerDriveState | null>;

/**
 * Drive families: `pytarchive_drive_state{drive,state}` (one of idle, busy, blocked is 1),
 * `pytarchive_drive_loaded{drive}` and `pytarchive_drive_job_info{drive,job_id,kind}` for the job a
 * drive runs. Blocks and tapes come from the changer's drive states, jobs from the catalog; when
 * either does not answer, the families it feeds are empty for that scrape.
 */
export function registerDriveFamilies(
  registry: Registry,
  options: {
    readonly drives: readonly number[];
    readonly catalog: () => Promise<CatalogScrape | null>;
    readonly readDriveState: DriveStateReader;
  },
): void {
  const { drives, catalog } = options;
  const changerStates = oncePerScrape(async () => {
    try {
      return await Promise.all(drives.map((drive) => options.readDriveState(drive)));
    } catch {
      return null;
    }
  });
  registerScrapedFamily(registry, {
    name: "pytarchive_drive_state",
    help: "1 for the state each drive is in: blocked (until `pytarchive clear-drive N`), busy (a job holds it) or idle.",
    type: "gauge",
    read: async () => {
      const [found, states] = await Promise.all([catalog(), changerStates()]);
      if (found === null || states === null) return null;
      return drives.flatMap((drive, index) => {
        const busy = found.statistics.running.some((job) => job.drive === drive);
        const current = states[index]?.blocked ? "blocked" : busy ? "busy" : "idle";
        return DRIVE_STATES.map((state) => ({
          labels: { drive, state },
          value: state === current ? 1 : 0,
        }));
      });
    },
  });
  registerScrapedFamily(registry, {
    name: "pytarchive_drive_loaded",
    help: "1 when the changer last saw a tape in the drive, else 0.",
    type: "gauge",
    read: async () => {
      const states = await changerStates();
      if (states === null) return null;
      return drives.map((drive, index) => ({
        labels: { drive },
        value: states[index]?.full ? 1 : 0,
      }));
    },
  });
  registerScrapedFamily(registry, {
    name: "pytarchive_drive_job_info",
    help: "1 for the job each busy drive runs, with its id and kind.",
    type: "gauge",
    read: async () => {
      const found = await catalog();
      if (found === null) return null;
      return found.statistics.running.flatMap((job) =>
        job.drive === null
          ? []
          : [{ labels: { drive: job.drive, job_id: job.id, kind: job.kind }, value: 1 }],
      );
    },
  });
}
