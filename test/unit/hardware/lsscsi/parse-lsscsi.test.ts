import { describe, expect, it } from "vitest";
import { changersOf, parseLsscsi, tapeDrivesOf } from "../../../../shared/hardware/lsscsi/index.ts";
import { readFixture } from "../ltfs/ltfs-captures.ts";

describe("parseLsscsi", () => {
  it("reads two drives with -g, one without an st node (generic-hp-ultrium6-st-and-ibm-hh7-lin-tape-no-st.txt)", () => {
    const listing = parseLsscsi(
      readFixture("real/lsscsi/generic-hp-ultrium6-st-and-ibm-hh7-lin-tape-no-st.txt"),
    );
    expect(listing.unparsedLines).toEqual([]);
    expect(listing.devices).toEqual([
      {
        address: "8:0:0:0",
        host: 8,
        channel: 0,
        target: 0,
        lun: 0,
        type: "tape",
        vendor: "HP",
        product: "Ultrium 6-SCSI",
        revision: "338D",
        device: "/dev/st0",
        genericDevice: "/dev/sg3",
      },
      {
        address: "9:0:0:0",
        host: 9,
        channel: 0,
        target: 0,
        lun: 0,
        type: "tape",
        vendor: "IBM",
        product: "ULTRIUM-HH7",
        revision: "MA71",
        device: null,
        genericDevice: "/dev/sg2",
      },
    ]);
  });

  it("reads a drive and its changer at LUN 1 without -g (plain-ibm-3573-tl-hh5-changer-lun1.txt)", () => {
    const listing = parseLsscsi(readFixture("real/lsscsi/plain-ibm-3573-tl-hh5-changer-lun1.txt"));
    expect(listing.unparsedLines).toEqual([]);
    expect(tapeDrivesOf(listing).map((drive) => [drive.product, drive.device])).toEqual([
      ["ULT3580-HH5", "/dev/st0"],
    ]);
    expect(changersOf(listing)).toMatchObject([
      {
        address: "0:0:0:1",
        vendor: "IBM",
        product: "3573-TL",
        revision: "F.11",
        device: "/dev/sch0",
        genericDevice: null,
      },
    ]);
  });

  it("reads a changer line with a trailing space (generic-mhvtl-stk-l700-changer-trailing-space.txt)", () => {
    const listing = parseLsscsi(
      readFixture("real/lsscsi/generic-mhvtl-stk-l700-changer-trailing-space.txt"),
    );
    expect(changersOf(listing)).toMatchObject([
      { address: "7:0:0:0", vendor: "STK", product: "L700", revision: "0105" },
    ]);
    expect(changersOf(listing)[0]).toMatchObject({
      device: "/dev/sch0",
      genericDevice: "/dev/sg7",
    });
  });

  it("reads a standalone drive (plain-quantum-hh7-standalone.txt)", () => {
    const listing = parseLsscsi(readFixture("real/lsscsi/plain-quantum-hh7-standalone.txt"));
    expect(tapeDrivesOf(listing)).toMatchObject([
      { address: "6:0:2:0", vendor: "QUANTUM", product: "ULTRIUM-HH7", revision: "K4K5" },
    ]);
    expect(changersOf(listing)).toEqual([]);
  });

  it("keeps lines that are not device lines instead of guessing", () => {
    const listing = parseLsscsi("lsscsi: unknown option\n[0:0:0:0]    tape\n");
    expect(listing.devices).toEqual([]);
    expect(listing.unparsedLines).toEqual(["lsscsi: unknown option", "[0:0:0:0]    tape"]);
  });

  it("lists drives in SCSI address order whatever the line order", () => {
    const listing = parseLsscsi(
      [
        "[1:0:2:0]    tape    IBM      ULTRIUM-HH9      Q3F2  /dev/st1   /dev/sg2",
        "[1:0:10:0]   tape    IBM      ULTRIUM-HH9      Q3F2  /dev/st2   /dev/sg3",
        "[0:0:5:0]    tape    IBM      ULTRIUM-HH9      Q3F2  /dev/st0   /dev/sg1",
      ].join("\n"),
    );
    expect(tapeDrivesOf(listing).map((drive) => drive.address)).toEqual([
      "0:0:5:0",
      "1:0:2:0",
      "1:0:10:0",
    ]);
  });
});
