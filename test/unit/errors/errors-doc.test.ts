import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderErrorsDoc } from "../../../shared/errors/errors-doc.ts";
import { ERROR_CATALOGUE, RETIRED_CODES } from "../../../shared/errors/index.ts";

const DOC_PATH = path.join(import.meta.dirname, "../../../docs/errors.md");

const RETIRED_HEADING = "## Retired codes";

/** The first cell of every table row that names a code, e.g. "UNKNOWN_TAPE". */
function documentedCodes(doc: string): string[] {
  return doc
    .split("\n")
    .map((line) => /^\| `([A-Z0-9_]+)` /.exec(line)?.[1])
    .filter((code): code is string => code !== undefined);
}

/** The page before the retired codes (the codes given today), and that last section. */
function sections(doc: string): { current: string; retired: string } {
  const at = doc.indexOf(RETIRED_HEADING);
  return at === -1
    ? { current: doc, retired: "" }
    : { current: doc.slice(0, at), retired: doc.slice(at) };
}

function rowOf(doc: string, code: string): string[] | undefined {
  return doc
    .split("\n")
    .find((line) => line.startsWith(`| \`${code}\` `))
    ?.split("|")
    .map((cell) => cell.trim());
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
    expect(documentedCodes(sections(doc).current).sort()).toEqual(
      Object.keys(ERROR_CATALOGUE).sort(),
    );
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

  it("lists the retired codes with the code that replaced each and since when, none given again", () => {
    const { retired } = sections(fs.readFileSync(DOC_PATH, "utf8"));
    expect(documentedCodes(retired).sort()).toEqual(Object.keys(RETIRED_CODES).sort());
    expect(rowOf(retired, "JOB_NOT_FOUND")).toEqual([
      "",
      "`JOB_NOT_FOUND`",
      "`UNKNOWN_JOB`",
      "0.1.0 (2026-12-07)",
      "",
    ]);
    expect(rowOf(retired, "FOLDER_NOT_ABSOLUTE")?.[2]).toBe("`PATH_NOT_ABSOLUTE`");
    expect(rowOf(retired, "INVENTORY_FOLDER_NOT_ABSOLUTE")?.[2]).toBe("`PATH_NOT_ABSOLUTE`");
    expect(rowOf(retired, "ABORT_TOO_LATE")?.[2]).toBe("none (it was never given)");
    // An old job's stored error keeps its old code: the page says where it may still be seen.
    expect(retired.replaceAll("\n", " ")).toContain(
      "`pytarchive history` and `pytarchive queue` show such a job's code as it was stored",
    );
    for (const code of Object.keys(RETIRED_CODES)) {
      expect(Object.hasOwn(ERROR_CATALOGUE, code), code).toBe(false);
    }
  });

  it("says STEP_STOPPED fails a job whose step stopped unasked, and to requeue it", () => {
    // The scheduler gives it when a worker reports a step stopped and no abort was asked for.
    const row = rowOf(fs.readFileSync(DOC_PATH, "utf8"), "STEP_STOPPED");
    expect(row?.[2]).toBe(
      "A service reported a step stopped although nobody asked to abort its job, so the job failed.",
    );
    expect(row?.[5]).toBe(
      "Requeue the job (`pytarchive requeue <job>`) once the service runs again.",
    );
  });
});
