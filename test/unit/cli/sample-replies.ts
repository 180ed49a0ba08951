import type { CommandReply, QueueJob } from "../../../shared/messages/commands.ts";

/** Replies as the gateway sends them (shared/messages/commands.ts), for rendering tests. */

function job(fields: Partial<QueueJob> & Pick<QueueJob, "id" | "description">): QueueJob {
  return {
    kind: "archive",
    priority: 100,
    state: "queued",
    progress: null,
    error: null,
    attempts: 0,
    createdAt: "2026-11-26T10:00:00.000Z",
    args: {},
    ...fields,
  };
}

/** A running prepare with progress. */
export const RUNNING_PREPARE: QueueJob = job({
  id: "0badc0de",
  kind: "prepare",
  priority: 0,
  state: "running",
  description: "Preparing folder: /data/projects/beta - Beta raw data",
  progress: "counting files: 120000",
  attempts: 1,
});

/** A restore that failed with a two-line error. */
export const FAILED_RESTORE: QueueJob = job({
  id: "a1b2c3d4",
  kind: "restore",
  state: "failed",
  description: "Restoring folder: /data/projects/old to /scratch/old",
  error:
    "Tape AAK790L9 could not be mounted: LTFS17168E no index found.\nFormat or check it with ltfsck.",
  attempts: 3,
});

export const QUEUE_REPLY: CommandReply<"queue"> = {
  running: [RUNNING_PREPARE],
  queued: [
    job({ id: "3fa2b1c0", description: "Archiving folder: /data/projects/alpha to tape AAK788L9" }),
    job({
      id: "deadbeef",
      kind: "inventory",
      priority: 200,
      description: "Taking inventory of: /data/homes",
    }),
  ],
  failed: [FAILED_RESTORE],
};

export const SUMMARY_REPLY: CommandReply<"summary"> = {
  tapeMaxSizeKiB: 17138671616,
  tapes: [
    {
      barcode: "AAK789L9",
      usedKiB: 0,
      capacityKiB: 17138671616,
      percent: 0,
      simulated: false,
      folders: [],
    },
    {
      barcode: "AAK788L9",
      usedKiB: 1610612736,
      capacityKiB: 17138671616,
      percent: 9.4,
      simulated: false,
      folders: [
        {
          path: "/data/projects/gamma",
          name: "data_projects_gamma",
          sizeKiB: 536870912,
          description: "Gamma survey",
          archivedAt: "2026-10-01T08:00:00.000Z",
          simulated: false,
        },
        {
          path: "/data/projects/alpha",
          name: "alpha_final_2024",
          sizeKiB: 1073741824,
          description: "Alpha project, final data 2024",
          archivedAt: "2026-09-01T08:00:00.000Z",
          simulated: false,
        },
      ],
    },
  ],
  prepared: [
    {
      path: "/data/projects/beta",
      description: "Beta raw data",
      sizeKiB: 125829120,
      fileCount: 1234,
      compressed: false,
      suggestedTape: "AAK788L9",
    },
    {
      path: "/data/instruments/huge",
      description: "",
      sizeKiB: 21474836480,
      fileCount: 1,
      compressed: true,
      suggestedTape: null,
    },
  ],
};

export const DELETEABLE_REPLY: CommandReply<"deleteable"> = {
  deleteable: [
    {
      path: "/data/projects/alpha",
      tape: "AAK788L9",
      sizeKiB: 1073741824,
      description: "Alpha project, final data 2024",
      archivedAt: "2026-09-01T08:00:00.000Z",
    },
    {
      path: "/data/projects/gamma",
      tape: "AAK788L9",
      sizeKiB: 536870912,
      description: "Gamma survey",
      archivedAt: "2026-10-01T08:00:00.000Z",
    },
  ],
  unchecked: [{ path: "/mnt/hung/delta", tape: "AAK789L9", reason: "timed out after 2 s" }],
  simulatedOnly: [],
};

export const TAPES_REPLY: CommandReply<"tapes"> = {
  tapes: [
    {
      barcode: "AAK788L9",
      location: "slot",
      slot: 1,
      drive: null,
      cleaning: false,
      simulated: false,
      state: "in use",
      usedKiB: 1610612736,
      capacityKiB: 17138671616,
    },
    {
      barcode: "AAK789L9",
      location: "drive",
      slot: null,
      drive: 0,
      cleaning: false,
      simulated: false,
      state: "blank",
      usedKiB: 0,
      capacityKiB: 17138671616,
    },
    {
      barcode: "CLN001L1",
      location: "slot",
      slot: 10,
      drive: null,
      cleaning: true,
      simulated: false,
      state: "cleaning",
      usedKiB: 0,
      capacityKiB: 0,
    },
  ],
};
