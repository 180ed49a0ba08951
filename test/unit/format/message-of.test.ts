import { describe, expect, it } from "vitest";
import { messageOf, reasonOf } from "../../../shared/format/message-of.ts";

describe("messageOf", () => {
  it("gives an Error's message without its name or stack", () => {
    expect(messageOf(new Error("disk full"))).toBe("disk full");
    expect(messageOf(new TypeError("not a folder"))).toBe("not a folder");
  });

  it("gives anything else thrown as text", () => {
    expect(messageOf("disk full")).toBe("disk full");
    expect(messageOf(28)).toBe("28");
    expect(messageOf(undefined)).toBe("undefined");
  });
});

describe("reasonOf", () => {
  it("leaves out the errno code and the path of a failed file operation", async () => {
    const { readFile } = await import("node:fs/promises");
    const failure = await readFile("/nonexistent/pytarchive-manifest.json").catch((e) => e);
    expect(reasonOf(failure)).toBe("no such file or directory");
    expect(reasonOf(new Error("EACCES: permission denied, open '/data/a'"))).toBe(
      "permission denied",
    );
  });

  it("keeps any other message as it is", () => {
    expect(reasonOf(new Error("manifest is not JSON"))).toBe("manifest is not JSON");
    expect(reasonOf("disk full")).toBe("disk full");
  });
});
