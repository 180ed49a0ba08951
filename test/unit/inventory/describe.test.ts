import { describe, expect, it } from "vitest";
import { ageGroupOf, DAY_MS, describeAge } from "../../../services/inventory/engine/index.ts";

describe("describeAge", () => {
  const now = new Date("2026-11-26T06:00:00Z");

  it("counts calendar years and months", () => {
    expect(describeAge(new Date("2023-09-01T00:00:00Z"), now)).toBe("3 years 2 months");
    expect(describeAge(new Date("2024-11-20T00:00:00Z"), now)).toBe("2 years");
    expect(describeAge(new Date("2025-10-26T00:00:00Z"), now)).toBe("1 year 1 month");
    expect(describeAge(new Date("2026-06-10T00:00:00Z"), now)).toBe("5 months");
    expect(describeAge(new Date("2026-10-26T00:00:00Z"), now)).toBe("1 month");
  });

  it("counts days below a month, and a month only once it is complete", () => {
    expect(describeAge(new Date("2026-11-14T05:00:00Z"), now)).toBe("12 days");
    expect(describeAge(new Date("2026-10-27T00:00:00Z"), now)).toBe("30 days");
    expect(describeAge(new Date("2026-11-25T05:00:00Z"), now)).toBe("1 day");
    expect(describeAge(new Date("2026-11-26T01:00:00Z"), now)).toBe("less than a day");
  });

  it("says so when the time lies in the future (a clock out of step)", () => {
    expect(describeAge(new Date("2027-01-01T00:00:00Z"), now)).toBe("in the future");
  });
});

describe("ageGroupOf", () => {
  it("uses each group's own limit: more than 730, 365 and 182 days", () => {
    expect(ageGroupOf(731 * DAY_MS)).toBe("older-than-2-years");
    expect(ageGroupOf(730 * DAY_MS)).toBe("older-than-1-year");
    expect(ageGroupOf(366 * DAY_MS)).toBe("older-than-1-year");
    expect(ageGroupOf(365 * DAY_MS)).toBe("older-than-6-months");
    expect(ageGroupOf(183 * DAY_MS)).toBe("older-than-6-months");
    expect(ageGroupOf(182 * DAY_MS)).toBe("recent");
    expect(ageGroupOf(0)).toBe("recent");
    expect(ageGroupOf(-DAY_MS)).toBe("recent");
  });
});
