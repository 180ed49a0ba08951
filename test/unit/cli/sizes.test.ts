import { describe, expect, it } from "vitest";
import { formatKiB, formatPercent } from "../../../cli/render/sizes.ts";

describe("formatKiB", () => {
  it("shows an LTO-9 tape_max_size of 17138671616 KiB as 15.96 TiB", () => {
    expect(formatKiB(17138671616)).toBe("15.96 TiB");
  });

  it("keeps whole KiB below 1 MiB and two decimals above", () => {
    expect(formatKiB(0)).toBe("0 KiB");
    expect(formatKiB(1023)).toBe("1023 KiB");
    expect(formatKiB(1024)).toBe("1.00 MiB");
    expect(formatKiB(125829120)).toBe("120.00 GiB");
    expect(formatKiB(1610612736)).toBe("1.50 TiB");
  });

  it("moves to the next unit when rounding would show 1024.00", () => {
    expect(formatKiB(1048575)).toBe("1.00 GiB");
  });
});

describe("formatPercent", () => {
  it("gives one decimal, and '-' for an unknown capacity", () => {
    expect(formatPercent(1610612736, 17138671616)).toBe("9.4%");
    expect(formatPercent(5, 0)).toBe("-");
  });
});
