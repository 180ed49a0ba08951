import { describe, expect, it } from "vitest";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { createLogger } from "../../../shared/logging/index.ts";

function capture() {
  const written: string[] = [];
  return { written, stream: { write: (line: string) => written.push(line) } };
}

describe("createLogger", () => {
  it("writes one JSON object per line with time, level, service, message and fields", () => {
    const { written, stream } = capture();
    const log = createLogger({ service: "changer", stream });
    log.info("tape loaded", { jobId: "3fa2b1c0", barcode: "AAK788L9", drive: 0 });
    expect(written).toHaveLength(1);
    expect(written[0]?.endsWith("\n")).toBe(true);
    const line = JSON.parse(written[0] ?? "");
    expect(line).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: "info",
      service: "changer",
      msg: "tape loaded",
      jobId: "3fa2b1c0",
      barcode: "AAK788L9",
      drive: 0,
    });
  });

  it("drops lines below its level (info by default)", () => {
    const { written, stream } = capture();
    const log = createLogger({ service: "gateway", stream });
    log.debug("noise");
    log.warn("careful");
    const quiet = createLogger({ service: "gateway", level: "error", stream });
    quiet.warn("careful");
    quiet.error("broken");
    expect(written.map((line) => JSON.parse(line).msg)).toEqual(["careful", "broken"]);
  });

  it("adds a child's fields to every line without letting fields replace the frame", () => {
    const { written, stream } = capture();
    const log = createLogger({ service: "ltfs", stream }).child({ jobId: "3fa2b1c0", drive: 1 });
    log.info("copying", { msg: "overwritten?", level: "error", file: "/a" });
    expect(JSON.parse(written[0] ?? "")).toMatchObject({
      level: "info",
      service: "ltfs",
      msg: "copying",
      jobId: "3fa2b1c0",
      drive: 1,
      file: "/a",
    });
  });

  it("keeps an error's name, message, code, hint and cause", () => {
    const { written, stream } = capture();
    const error = new PytarchiveError("TAPE_TOO_FULL", "Tape AAK788L9 is full.", {
      hint: "Use another tape.",
      cause: new Error("ENOSPC"),
    });
    createLogger({ service: "ltfs", stream }).error("copy failed", { error });
    const logged = JSON.parse(written[0] ?? "").error;
    expect(logged).toMatchObject({
      name: "PytarchiveError",
      message: "Tape AAK788L9 is full.",
      code: "TAPE_TOO_FULL",
      hint: "Use another tape.",
      cause: { name: "Error", message: "ENOSPC" },
    });
    expect(logged.stack).toContain("PytarchiveError");
  });

  it("never throws on fields it cannot serialise: a circular reference is marked, the line written", () => {
    const { written, stream } = capture();
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    createLogger({ service: "x", stream }).warn("odd", { circular, size: 10n });
    expect(JSON.parse(written[0] ?? "")).toMatchObject({
      level: "warn",
      msg: "odd",
      circular: { name: "loop", self: "[Circular]" },
      size: "10",
    });
  });

  it("writes bigints as decimal strings", () => {
    const { written, stream } = capture();
    createLogger({ service: "x", stream }).info("size", { bytes: 17138671616n * 1024n });
    expect(JSON.parse(written[0] ?? "").bytes).toBe("17549999734784");
  });
});
