import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderErrorsDoc } from "../../../shared/errors/errors-doc.ts";
import { ERROR_CATALOGUE } from "../../../shared/errors/index.ts";

const DOC_PATH = path.join(import.meta.dirname, "../../../docs/errors.md");

/** The first cell of every table row that names a code, e.g. "UNKNOWN_TAPE". */
function documentedCodes(doc: string): string[] {
  return doc
    .split("\n")
    .map((line) => /^\| `([A-Z0-9_]+)` /.exec(line)?.[1])
    .filter((code): code is string => code !== undefined);
}

describe("docs/errors.md", () => {
  it("is what `npm run docs:errors` writes from the catalogue", () => {
    expect(
      fs.readFileSync(DOC_PATH, "utf8"),
      "docs/errors.md is stale: run `npm run docs:errors`",
    ).toBe(renderErrorsDoc());
  });

  it("has one row per code of the catalogue, with its status and transience", () => {
    const doc = fs.readFileSync(DOC_PATH, "utf8");
    expect(documentedCodes(doc).sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
    const timeoutRow = doc.split("\n").find((line) => line.startsWith("| `SERVICE_TIMEOUT` "));
    expect(timeoutRow?.split("|").map((cell) => cell.trim())).toEqual([
      "",
      "`SERVICE_TIMEOUT`",
      ERROR_CATALOGUE.SERVICE_TIMEOUT.meaning,
      "yes",
      "503",
      ERROR_CATALOGUE.SERVICE_TIMEOUT.hint,
      "",
    ]);
  });
});
