import { describe, expect, it } from "vitest";
import { renderSummary } from "../../../cli/render/summary.ts";
import { SUMMARY_REPLY } from "./sample-replies.ts";

describe("renderSummary", () => {
  it("shows each tape's fill in binary units and KiB with its folders, then prepared folders with a suggested tape", () => {
    expect(renderSummary(SUMMARY_REPLY).split("\n")).toEqual([
      "Tape overview (2 tapes):",
      "AAK788L9  1.50 TiB / 15.96 TiB (9.4%)  1610612736 / 17138671616 KiB",
      "    /data/projects/alpha -> alpha_final_2024 (1.00 TiB) Alpha project, final data 2024",
      "    /data/projects/gamma -> data_projects_gamma (512.00 GiB) Gamma survey",
      "",
      "AAK789L9  0 KiB / 15.96 TiB (0.0%)  0 / 17138671616 KiB",
      "    (no folders)",
      "",
      "Prepared folders (2, ready to archive):",
      "/data/projects/beta (120.00 GiB, 1234 files) -> suggested tape: AAK788L9",
      "    Beta raw data",
      "/data/instruments/huge (20.00 TiB, 1 file, compressed) -> no tape has room for it",
      "",
    ]);
  });

  it("keeps the original's sections: prepared with its 'as of' date, queued for archiving with its tape, being prepared", () => {
    const measuredAt = new Date(2024, 4, 6, 8, 0, 0).toISOString();
    const lines = renderSummary({
      tapeMaxSizeKiB: 17138671616,
      tapes: [],
      prepared: [
        {
          path: "/data/projects/alpha",
          description: "Alpha",
          sizeKiB: 2097152,
          fileCount: null,
          compressed: false,
          suggestedTape: null,
          measuredAt,
        },
      ],
      archiving: [
        {
          path: "/data/projects/delta",
          description: "Delta",
          sizeKiB: 204800,
          measuredAt,
          tape: "AAK788L9",
          jobId: "3fa2b1c0",
          state: "queued",
        },
      ],
      preparing: [{ path: "/data/home/Jürgen", description: "Jürgen's home" }],
    }).split("\n");
    expect(lines.slice(3)).toEqual([
      "Prepared folders (1, ready to archive):",
      "/data/projects/alpha (2.00 GiB, files not counted, as of May 06 2024 08:00:00) -> no tape has room for it",
      "    Alpha",
      "",
      "Queued for archiving (1):",
      "/data/projects/delta (200.00 MiB as of May 06 2024 08:00:00) -> AAK788L9 (queued, task 3fa2b1c0)",
      "",
      "Being prepared (1):",
      "/data/home/Jürgen: Jürgen's home",
      "",
    ]);
  });

  it("marks what each folder's copy is worth: verification failed, checksums from the tape, not verified", () => {
    const tape = SUMMARY_REPLY.tapes[1];
    if (tape === undefined) throw new Error("the sample has a tape with folders");
    const folder = {
      name: "x",
      sizeKiB: 1024,
      description: "X",
      archivedAt: null,
      simulated: false,
    };
    const lines = renderSummary({
      ...SUMMARY_REPLY,
      tapes: [
        {
          ...tape,
          folders: [
            { ...folder, path: "/srv/failed", verified: false, verifyFailed: true },
            { ...folder, path: "/srv/imported", verified: false, checksumsFrom: "tape" },
            { ...folder, path: "/srv/legacy", verified: false },
            { ...folder, path: "/srv/adopted", verified: true },
          ],
        },
      ],
    }).split("\n");
    expect(lines.slice(2, 6)).toEqual([
      "    /srv/failed -> x (1.00 MiB) X [VERIFICATION FAILED: keep the original; `pytarchive history --failed` shows what differs, then `pytarchive verify /srv/failed` again]",
      "    /srv/imported -> x (1.00 MiB) X [imported from tape, checksums taken from the tape, not compared with the original: `pytarchive verify --adopt /srv/imported`]",
      "    /srv/legacy -> x (1.00 MiB) X [archived, not verified]",
      "    /srv/adopted -> x (1.00 MiB) X",
    ]);
  });

  it("says when there are no tapes and no prepared folders", () => {
    expect(renderSummary({ tapeMaxSizeKiB: 17138671616, tapes: [], prepared: [] })).toBe(
      "Tape overview (0 tapes):\n    (no tapes known yet)\n\nPrepared folders: none\n",
    );
  });
});
