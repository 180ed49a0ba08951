import { describe, expect, it } from "vitest";
import { kvBucketNames, streamNames, subjects } from "../../../shared/messages/index.ts";

describe("subjects", () => {
  it("builds every subject of a library from its id", () => {
    const s = subjects("tl2000-basement");
    expect(s.prefix).toBe("pyt.tl2000-basement");
    expect(s.command("archive")).toBe("pyt.tl2000-basement.cmd.archive");
    expect(s.allCommands).toBe("pyt.tl2000-basement.cmd.>");
    expect(s.work("ltfs", "copy")).toBe("pyt.tl2000-basement.work.ltfs.copy");
    expect(s.workOf("ltfs")).toBe("pyt.tl2000-basement.work.ltfs.>");
    expect(s.allWork).toBe("pyt.tl2000-basement.work.>");
    expect(s.event("job.created")).toBe("pyt.tl2000-basement.events.job.created");
    expect(s.allEvents).toBe("pyt.tl2000-basement.events.>");
    expect(s.changerMove).toBe("pyt.tl2000-basement.changer.move");
    expect(s.deadLetter("ltfs")).toBe("pyt.tl2000-basement.dlq.ltfs");
    expect(s.allDeadLetters).toBe("pyt.tl2000-basement.dlq.>");
  });

  it("names streams and the lease bucket after the library id as written", () => {
    expect(streamNames("Lib_1")).toEqual({
      work: "PYT_Lib_1_WORK",
      changer: "PYT_Lib_1_CHANGER",
      events: "PYT_Lib_1_EVENTS",
      deadLetters: "PYT_Lib_1_DLQ",
    });
    expect(kvBucketNames("Lib_1")).toEqual({ leases: "pyt_Lib_1_leases" });
  });

  it.each([
    ["a.b", "a dot"],
    ["lib 1", "a space"],
    ["*", "a wildcard"],
    [">", "a wildcard"],
    ["", "nothing"],
    ["x".repeat(65), "65 characters"],
  ])("refuses the library id %j (%s) with the setting to fix", (libraryId) => {
    expect(() => subjects(libraryId)).toThrowError(
      expect.objectContaining({
        code: "INVALID_LIBRARY_ID",
        message: `The library id ${JSON.stringify(libraryId)} cannot be used in NATS subjects and stream names.`,
        hint: expect.stringContaining("[NATS] library_id"),
      }),
    );
    expect(() => streamNames(libraryId)).toThrowError(
      expect.objectContaining({ code: "INVALID_LIBRARY_ID" }),
    );
  });

  it("refuses a verb, service or step that would change the subject's shape", () => {
    const s = subjects("lib1");
    expect(() => s.command("archive.all")).toThrowError(
      expect.objectContaining({
        code: "INVALID_SUBJECT_TOKEN",
        message: expect.stringContaining(
          'The command verb "archive.all" cannot be used in a NATS subject',
        ),
      }),
    );
    expect(() => s.work("ltfs", "*")).toThrowError(
      expect.objectContaining({ code: "INVALID_SUBJECT_TOKEN" }),
    );
    expect(() => s.workOf("ltfs >")).toThrowError(
      expect.objectContaining({ code: "INVALID_SUBJECT_TOKEN" }),
    );
    expect(() => s.event("job..created")).toThrowError(
      expect.objectContaining({ message: expect.stringContaining('The event kind part ""') }),
    );
  });
});
