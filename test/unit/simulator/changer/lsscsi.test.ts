import { describe, expect, it } from "vitest";
import { changersOf, parseLsscsi, tapeDrivesOf } from "../../../../shared/hardware/lsscsi/index.ts";
import { parseTapeinfo } from "../../../../shared/hardware/tapeinfo/index.ts";
import { fixture, makeLibrary, runTool, tapeinfo } from "./simulated-library.ts";

/** Where each column starts in a line: lsscsi's layout is fixed-width. */
function columnStarts(line: string): number[] {
  return [...line.matchAll(/(?<=^|\s)\S/g)].map((match) => match.index ?? -1);
}

describe("simulated lsscsi", () => {
  it("lists the drives and the changer with -g in the real tool's columns, and the same parser reads them", async () => {
    const layout = await makeLibrary({ drives: 2 });

    const result = await runTool(layout, "lsscsi", ["-g"]);

    expect(result).toMatchObject({ exitCode: 0, stderr: "" });
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    // Same column starts as a real `lsscsi -g` line up to the revision (the node columns are wider).
    const real = fixture("lsscsi/generic-hp-ultrium6-st-and-ibm-hh7-lin-tape-no-st.txt").split(
      "\n",
    )[1] as string;
    expect(columnStarts(lines[0] as string).slice(0, 5)).toEqual(columnStarts(real).slice(0, 5));
    const listing = parseLsscsi(result.stdout);
    expect(listing.unparsedLines).toEqual([]);
    expect(changersOf(listing)).toEqual([
      expect.objectContaining({
        address: "0:0:0:1",
        type: "mediumx",
        device: layout.changerDevice,
        genericDevice: layout.changerDevice,
      }),
    ]);
    const drives = tapeDrivesOf(listing);
    expect(drives.map((drive) => [drive.address, drive.genericDevice])).toEqual([
      ["0:0:0:0", layout.driveDevice(0)],
      ["0:0:1:0", layout.driveDevice(1)],
    ]);
    // What lsscsi says about a drive is what tapeinfo says about it.
    const report = parseTapeinfo((await tapeinfo(layout, 1)).stdout);
    expect(drives[1]).toMatchObject({
      vendor: report.vendor,
      product: report.product,
      revision: report.revision,
    });
  });

  it("prints no generic column without -g", async () => {
    const layout = await makeLibrary({ drives: 1 });

    const result = await runTool(layout, "lsscsi", []);

    const listing = parseLsscsi(result.stdout);
    expect(
      listing.devices.map((device) => [device.type, device.device, device.genericDevice]),
    ).toEqual([
      ["tape", layout.driveDevice(0), null],
      ["mediumx", layout.changerDevice, null],
    ]);
  });

  it("refuses an option it does not know, as lsscsi does, with exit code 1", async () => {
    const layout = await makeLibrary({ drives: 1 });

    const result = await runTool(layout, "lsscsi", ["--transport"]);

    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("lsscsi: Usage: lsscsi [--generic|-g]");
  });
});
