import { describe, expect, it } from "vitest";
import { truncateUtf8 } from "../../../shared/format/truncate-utf8.ts";

describe("truncateUtf8", () => {
  it("keeps text that fits as it is", () => {
    expect(truncateUtf8("alpha", 5)).toBe("alpha");
    expect(truncateUtf8("", 3)).toBe("");
  });

  it("cuts at the byte limit", () => {
    expect(truncateUtf8("alpha", 3)).toBe("alp");
  });

  it("never ends in half a character", () => {
    expect(truncateUtf8("Grüße", 3)).toBe("Gr");
    expect(truncateUtf8("Grüße", 4)).toBe("Grü");
    // An emoji is two UTF-16 units and four bytes: it stays whole or goes.
    expect(truncateUtf8("a😀b", 4)).toBe("a");
    expect(truncateUtf8("a😀b", 5)).toBe("a😀");
    expect(Buffer.byteLength(truncateUtf8("é".repeat(200), 255))).toBe(254);
  });
});
