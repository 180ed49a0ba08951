import { describe, expect, it } from "vitest";
import { renderDeleteable } from "../../../cli/render/deleteable.ts";
import { renderSummary } from "../../../cli/render/summary.ts";
import { renderTapes } from "../../../cli/render/tapes.ts";
import { DELETEABLE_REPLY, SUMMARY_REPLY, TAPES_REPLY } from "./sample-replies.ts";

/* What a user of a simulated library sees: every tape and folder on it marked, none deleteable. */

describe("tapes and folders of a simulated library", () => {
  it("are marked SIMULATED in `summary`, the tape and each folder on it", () => {
    const [real, onSim] = SUMMARY_REPLY.tapes;
    if (real === undefined || onSim === undefined) throw new Error("sample has two tapes");
    const reply = {
      ...SUMMARY_REPLY,
      tapes: [
        real,
        {
          ...onSim,
          simulated: true,
          folders: onSim.folders.map((folder) => ({ ...folder, simulated: true })),
        },
      ],
      prepared: [],
    };
    expect(renderSummary(reply).split("\n").slice(0, 7)).toEqual([
      "Tape overview (2 tapes):",
      "AAK788L9  1.50 TiB / 15.96 TiB (9.4%)  1610612736 / 17138671616 KiB  SIMULATED (loop image of a simulated library, not an archive)",
      "    /data/projects/alpha -> alpha_final_2024 (1.00 TiB) Alpha project, final data 2024 [simulated copy only]",
      "    /data/projects/gamma -> data_projects_gamma (512.00 GiB) Gamma survey [simulated copy only]",
      "",
      "AAK789L9  0 KiB / 15.96 TiB (0.0%)  0 / 17138671616 KiB",
      "    (no folders)",
    ]);
  });

  it("are marked SIMULATED in `tapes`, and the count says what that means", () => {
    const reply = { tapes: TAPES_REPLY.tapes.map((tape) => ({ ...tape, simulated: true })) };
    expect(renderTapes(reply).split("\n")).toEqual([
      "BARCODE   WHERE    STATE     USED      CAPACITY   FILL  NOTE",
      "AAK788L9  slot 1   in use    1.50 TiB  15.96 TiB  9.4%  SIMULATED",
      "AAK789L9  drive 0  blank     0 KiB     15.96 TiB  0.0%  SIMULATED",
      "CLN001L1  slot 10  cleaning  -         -          -     cleaning tape, SIMULATED",
      "3 tapes; 3 SIMULATED (loop images of a simulated library: nothing on them is an archive).",
      "",
    ]);
  });

  it("are listed apart by `deleteable`, as not safe to delete, saying why", () => {
    const [alpha, gamma] = DELETEABLE_REPLY.deleteable;
    if (alpha === undefined || gamma === undefined) throw new Error("sample has two folders");
    const text = renderDeleteable({
      deleteable: [gamma],
      unchecked: [],
      simulatedOnly: [{ ...alpha, tape: "SIM001L9" }],
    });
    expect(text.split("\n")).toEqual([
      "Can be deleted (archived and verified; the original folder still exists):",
      "FOLDER                TAPE      SIZE        DESCRIPTION",
      "/data/projects/gamma  AAK788L9  512.00 GiB  Gamma survey",
      "1 folder, 512.00 GiB in all. pytarchive never deletes them itself.",
      "",
      "NOT safe to delete: archived only on SIMULATED tapes (loop images of a simulated library, not an archive):",
      "FOLDER                TAPE      SIZE      DESCRIPTION",
      "/data/projects/alpha  SIM001L9  1.00 TiB  Alpha project, final data 2024",
      "Keep these originals: archive them to tapes of a real library first.",
      "",
    ]);
  });

  it("do not make `deleteable` say 'Nothing to delete.' without naming them", () => {
    const [alpha] = DELETEABLE_REPLY.deleteable;
    if (alpha === undefined) throw new Error("sample has a folder");
    const text = renderDeleteable({ deleteable: [], unchecked: [], simulatedOnly: [alpha] });
    expect(text).toMatch(/^Nothing can be deleted for sure\.\n\nNOT safe to delete: /);
    expect(text).toContain("/data/projects/alpha");
  });
});
