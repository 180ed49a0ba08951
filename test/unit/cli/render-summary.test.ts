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

  it("says when there are no tapes and no prepared folders", () => {
    expect(renderSummary({ tapeMaxSizeKiB: 17138671616, tapes: [], prepared: [] })).toBe(
      "Tape overview (0 tapes):\n    (no tapes known yet)\n\nPrepared folders: none\n",
    );
  });
});
