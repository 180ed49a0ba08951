import { describe, expect, it } from "vitest";
import { matchDrivesToElements } from "../../../infra/scripts/match-drives.ts";

const element = (index: number, full: boolean) => ({ index, full });

describe("matchDrivesToElements", () => {
  it("pairs the only drive with the only element", () => {
    expect(matchDrivesToElements([{ loaded: null }], [element(0, true)])).toEqual([
      { element: 0, basis: "only-drive" },
    ]);
  });

  it("singles out the one loaded drive and the one empty drive, whatever their address order", () => {
    expect(
      matchDrivesToElements(
        [{ loaded: true }, { loaded: false }],
        [element(0, false), element(1, true)],
      ),
    ).toEqual([
      { element: 1, basis: "loaded" },
      { element: 0, basis: "empty" },
    ]);
  });

  it("says it assumes the address order where two drives look alike", () => {
    const matches = matchDrivesToElements(
      [{ loaded: false }, { loaded: false }, { loaded: true }],
      [element(0, false), element(1, true), element(2, false)],
    );
    expect(matches).toEqual([
      { element: 0, basis: "address-order" },
      { element: 2, basis: "address-order" },
      { element: 1, basis: "loaded" },
    ]);
  });

  it("assumes the address order when mtx status failed, tapeinfo could not tell, or the counts differ", () => {
    expect(matchDrivesToElements([{ loaded: true }, { loaded: false }], null)).toEqual([
      { element: 0, basis: "address-order" },
      { element: 1, basis: "address-order" },
    ]);
    expect(
      matchDrivesToElements(
        [{ loaded: null }, { loaded: false }],
        [element(0, true), element(1, false)],
      ),
    ).toEqual([
      { element: 0, basis: "address-order" },
      { element: 1, basis: "address-order" },
    ]);
    expect(
      matchDrivesToElements(
        [{ loaded: true }, { loaded: true }],
        [element(0, true), element(1, false)],
      ),
    ).toEqual([
      { element: 0, basis: "address-order" },
      { element: 1, basis: "address-order" },
    ]);
  });

  it("finds no element for a drive beyond the changer's elements", () => {
    expect(
      matchDrivesToElements([{ loaded: false }, { loaded: false }], [element(0, false)]),
    ).toEqual([
      { element: 0, basis: "address-order" },
      { element: null, basis: "no-element" },
    ]);
  });
});
