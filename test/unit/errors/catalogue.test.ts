import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  ERROR_AREAS,
  ERROR_CATALOGUE,
  type ErrorCode,
  errorSpec,
  httpStatusOf,
  isErrorCode,
  isTransientError,
  PytarchiveError,
} from "../../../shared/errors/index.ts";

const TEST_ROOT = path.join(import.meta.dirname, "../..");
const CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/** Every test file's text, except this one and the docs check (which name every code). */
function otherTestSources(): string {
  const own = new Set(["catalogue.test.ts", "errors-doc.test.ts"]);
  const read = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return read(full);
      if (!entry.name.endsWith(".ts") || own.has(entry.name)) return [];
      return [fs.readFileSync(full, "utf8")];
    });
  return read(TEST_ROOT).join("\n");
}

describe("the error catalogue", () => {
  it("says for every code what it means and what to do, in one line each", () => {
    for (const code of CODES) {
      const spec = errorSpec(code);
      expect(code, code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/);
      expect(ERROR_AREAS, code).toContain(spec.area);
      expect(spec.meaning, code).toMatch(/^\S.*\.$/);
      expect(spec.hint, code).toMatch(/^\S.*[.)`]$/);
      expect(`${spec.meaning}${spec.hint}`, code).not.toContain("\n");
    }
  });

  it("calls unreachable services, the changer, the catalog and NATS transient, and refusals not", () => {
    const transient = (code: ErrorCode) => isTransientError(new PytarchiveError(code, "x"));
    for (const code of [
      "SERVICE_NOT_RUNNING",
      "SERVICE_TIMEOUT",
      "NATS_REQUEST_FAILED",
      "NATS_UNREACHABLE",
      "CHANGER_UNAVAILABLE",
      "CATALOG_UNREACHABLE",
      "INTERNAL_ERROR",
      "MTX_DEVICE_BUSY",
    ] as const) {
      expect(transient(code), code).toBe(true);
    }
    for (const code of [
      "UNKNOWN_TAPE",
      "UNKNOWN_JOB",
      "TAPE_TOO_FULL",
      "JOB_STATE_CONFLICT",
      "INVALID_ARGUMENT",
      "VERIFY_MISMATCH",
      "TARGET_OVERLAPS_ORIGINAL",
    ] as const) {
      expect(transient(code), code).toBe(false);
    }
  });

  it("finds the code of anything thrown, and takes unknown values as final", () => {
    expect(isTransientError({ code: "SERVICE_TIMEOUT", message: "as a reply carries it" })).toBe(
      true,
    );
    expect(isTransientError(new Error("SERVICE_TIMEOUT"))).toBe(false);
    expect(isTransientError({ code: "ECONNREFUSED" })).toBe(false);
    expect(isTransientError("SERVICE_TIMEOUT")).toBe(false);
    expect(isTransientError(null)).toBe(false);
    expect(isErrorCode("UNKNOWN_TAPE")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
  });

  it("gives the gateway's HTTP API a status by kind: refused, not found, conflict, unavailable, failed", () => {
    expect(httpStatusOf("INVALID_ARGUMENT")).toBe(400);
    expect(httpStatusOf("UNKNOWN_TAPE")).toBe(404);
    expect(httpStatusOf("JOB_STATE_CONFLICT")).toBe(409);
    expect(httpStatusOf("SERVICE_TIMEOUT")).toBe(503);
    expect(httpStatusOf("VERIFY_MISMATCH")).toBe(500);
    for (const code of CODES) {
      if (errorSpec(code).httpStatus === 503) expect(errorSpec(code).transient, code).toBe(true);
    }
  });

  it("has each code raised and asserted by at least one test", () => {
    const sources = otherTestSources();
    // No allowance list any more: a new code comes with a test that raises it.
    expect(CODES.filter((code) => !sources.includes(`"${code}"`))).toEqual([]);
  });
});
