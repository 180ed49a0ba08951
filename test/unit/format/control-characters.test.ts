import { describe, expect, it } from "vitest";
import {
  escapeControlCharacters,
  hasControlCharacters,
} from "../../../shared/format/control-characters.ts";

describe("control characters in names shown on a terminal", () => {
  it("are found: C0, DEL and C1, not ordinary non-ASCII", () => {
    for (const text of ["a\nb", "a\rb", "a\0b", "\u001b[2J", "a\u007fb", "\u009b2J", "\t"]) {
      expect(hasControlCharacters(text), JSON.stringify(text)).toBe(true);
    }
    expect(hasControlCharacters("Données 2021 — α/β")).toBe(false);
  });

  it("are written out so that none moves the cursor; kept line ends stay", () => {
    expect(escapeControlCharacters("a\u001b[2Jb\rc\0d\u009be")).toBe(
      "a\\u001b[2Jb\\rc\\u0000d\\u009be",
    );
    expect(escapeControlCharacters("one\ntwo\tthree\n", "\n")).toBe("one\ntwo\\tthree\n");
    expect(escapeControlCharacters("Données — α")).toBe("Données — α");
  });

  it("keep JSON output valid JSON with the same strings", () => {
    const json = JSON.stringify({ path: "/srv/a\u007fb\u009bc\u001bd" });
    expect(JSON.parse(escapeControlCharacters(json, "\n"))).toEqual(JSON.parse(json));
  });
});
