import { describe, expect, it } from "vitest";
import { renderDeleteable } from "../../../cli/render/deleteable.ts";
import { DELETEABLE_REPLY } from "./sample-replies.ts";

describe("renderDeleteable", () => {
  it("lists folder, tape, size and description, with the folders that could not be checked apart", () => {
    expect(renderDeleteable(DELETEABLE_REPLY).split("\n")).toEqual([
      "Can be deleted (archived and verified; the original folder still exists):",
      "FOLDER                TAPE      SIZE        DESCRIPTION",
      "/data/projects/alpha  AAK788L9  1.00 TiB    Alpha project, final data 2024",
      "/data/projects/gamma  AAK788L9  512.00 GiB  Gamma survey",
      "2 folders, 1.50 TiB in all. pytarchive never deletes them itself.",
      "",
      "Could not be checked (left out; check these by hand):",
      "FOLDER           TAPE      REASON",
      "/mnt/hung/delta  AAK789L9  timed out after 2 s",
      "",
    ]);
  });

  it("says 'Nothing to delete.' when both lists are empty", () => {
    expect(renderDeleteable({ deleteable: [], unchecked: [], simulatedOnly: [] })).toBe(
      "Nothing to delete.\n",
    );
  });

  it("does not claim anything can be deleted when only unchecked folders remain", () => {
    expect(renderDeleteable({ ...DELETEABLE_REPLY, deleteable: [] }).split("\n")).toEqual([
      "Nothing can be deleted for sure.",
      "",
      "Could not be checked (left out; check these by hand):",
      "FOLDER           TAPE      REASON",
      "/mnt/hung/delta  AAK789L9  timed out after 2 s",
      "",
    ]);
  });
});
