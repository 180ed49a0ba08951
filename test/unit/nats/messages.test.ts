import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_PRIORITIES,
  defineMessage,
  JobCreated,
  JobFailed,
  JobQueued,
  MessageSchemaError,
  WorkItem,
} from "../../../shared/messages/index.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
const at = "2026-11-26T10:00:00.000Z";

function decodeError(decode: () => unknown): MessageSchemaError {
  try {
    decode();
  } catch (error) {
    if (error instanceof MessageSchemaError) return error;
    throw error;
  }
  throw new Error("expected a MessageSchemaError");
}

describe("defineMessage", () => {
  const TapeLoaded = defineMessage(
    "tape.loaded",
    Type.Object({ barcode: Type.String(), drive: Type.Integer({ minimum: 0 }) }),
  );

  it("encodes to JSON and decodes back the same value", () => {
    const encoded = TapeLoaded.encode({ barcode: "AAK788L9", drive: 1 });
    expect(text(encoded)).toBe('{"barcode":"AAK788L9","drive":1}');
    expect(TapeLoaded.decode(encoded)).toEqual({ barcode: "AAK788L9", drive: 1 });
  });

  it("refuses to encode a value that does not fit, naming the field", () => {
    expect(() => TapeLoaded.encode({ barcode: "AAK788L9", drive: -1 })).toThrowError(
      "Invalid tape.loaded message: drive: Expected integer to be greater or equal to 0 (got -1).",
    );
  });

  it("names every wrong field and what is wrong with it when decoding", () => {
    const error = decodeError(() => TapeLoaded.decode(bytes({ drive: "one" })));
    expect(error.code).toBe("MESSAGE_SCHEMA_INVALID");
    expect(error.messageName).toBe("tape.loaded");
    expect(error.problems).toEqual([
      { field: "barcode", problem: "is required" },
      { field: "drive", problem: 'Expected integer (got "one")' },
    ]);
    expect(error.message).toBe(
      'Invalid tape.loaded message: barcode: is required; drive: Expected integer (got "one").',
    );
  });

  it("says when the bytes are not JSON at all", () => {
    const error = decodeError(() => TapeLoaded.decode(bytes("barcode=AAK788L9")));
    expect(error.problems[0]?.field).toBe("");
    expect(error.message).toMatch(/^Invalid tape\.loaded message: not JSON \(/);
  });

  it("says when the bytes are not UTF-8", () => {
    const error = decodeError(() => TapeLoaded.decode(new Uint8Array([0xff, 0xfe, 0x7b])));
    expect(error.message).toBe("Invalid tape.loaded message: not UTF-8 text.");
  });

  it("checks an already parsed value with parse() and is()", () => {
    expect(TapeLoaded.is({ barcode: "A", drive: 0 })).toBe(true);
    expect(TapeLoaded.is({ barcode: "A" })).toBe(false);
    expect(() => TapeLoaded.parse({ barcode: 5, drive: 0 })).toThrowError(
      "barcode: Expected string (got 5)",
    );
  });
});

describe("job messages", () => {
  it("accept a job.created event for each kind with its own arguments", () => {
    const archive = {
      jobId: "3fa2b1c0",
      kind: "archive",
      args: { folder: "/data/projects/x", tape: "AAK788L9" },
      priority: 100,
      at,
    };
    const prepare = {
      jobId: "00c0ffee",
      kind: "prepare",
      args: { folder: "/data/x", description: "Project X", compress: true },
      priority: 0,
      at,
    };
    const inventory = {
      jobId: "0000beef",
      kind: "inventory",
      args: { folders: ["/home", "/projects"] },
      priority: 200,
      at,
    };
    for (const event of [archive, prepare, inventory]) {
      expect(JobCreated.decode(bytes(event))).toEqual(event);
    }
  });

  it("name the argument that is wrong for the job's kind", () => {
    const error = decodeError(() =>
      JobCreated.decode(
        bytes({
          jobId: "3fa2b1c0",
          kind: "archive",
          args: { folder: "/x", tape: 42 },
          priority: 100,
          at,
        }),
      ),
    );
    expect(error.message).toBe("Invalid job.created message: args.tape: Expected string (got 42).");
  });

  it("say a job id must be 8 hex digits", () => {
    const error = decodeError(() =>
      WorkItem.decode(bytes({ jobId: "3FA2B1C", step: "copy", attempt: 1 })),
    );
    expect(error.problems).toEqual([
      { field: "jobId", problem: 'Expected 8 hex digits (got "3FA2B1C")' },
    ]);
  });

  it("list the known kinds for an unknown one", () => {
    const error = decodeError(() =>
      JobQueued.decode(bytes({ jobId: "3fa2b1c0", kind: "backup", priority: 1, attempt: 1, at })),
    );
    expect(error.message).toBe(
      'Invalid job.queued message: kind: Expected one of "prepare", "archive", "restore", "explore", "inventory", "verify", "import-tape" (got "backup").',
    );
  });

  it("refuse relative folders and a zero attempt", () => {
    expect(() =>
      JobCreated.parse({
        jobId: "3fa2b1c0",
        kind: "restore",
        args: { folder: "data/x", target: "/restore" },
        priority: 100,
        at,
      }),
    ).toThrowError("args.folder: Expected string to match '^/' (got \"data/x\")");
    expect(() => WorkItem.parse({ jobId: "3fa2b1c0", step: "copy", attempt: 0 })).toThrowError(
      "attempt: Expected integer to be greater or equal to 1 (got 0)",
    );
  });

  it("carry the failing step's error code, message and hint in job.failed", () => {
    const failed = {
      jobId: "3fa2b1c0",
      step: "copy",
      attempt: 2,
      error: {
        code: "TAPE_FULL",
        message: "Tape AAK788L9 is full.",
        hint: "Archive to another tape.",
      },
      at,
    };
    expect(JobFailed.decode(JobFailed.encode(failed))).toEqual(failed);
  });

  it("keep the original's default priorities", () => {
    expect(DEFAULT_PRIORITIES).toEqual({
      prepare: 0,
      explore: 20,
      archive: 100,
      restore: 100,
      verify: 100,
      inventory: 200,
      // New since the original: reading a tape into the catalog, as an archive-sized job.
      "import-tape": 100,
    });
  });
});
