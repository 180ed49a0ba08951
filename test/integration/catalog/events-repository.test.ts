import { expect, it } from "vitest";
import { appendEvent, createJob, listEvents } from "../../../services/catalog/db/index.ts";
import { forEachDatabase } from "../../helpers/databases.ts";

forEachDatabase("events repository", (catalog) => {
  it("appendEvent stores the payload as sent, arrays and nested keys included", async () => {
    const job = await createJob(catalog.db, { libraryId: "default", kind: "archive", args: {} });
    const event = await appendEvent(catalog.db, {
      jobId: job.id,
      kind: "FilesCopied",
      payload: {
        files: ["a/b.txt", "c.txt"],
        bytes_done: 5_000_000_000,
        nested: { drive_index: 0 },
      },
    });
    expect(event).toMatchObject({
      jobId: job.id,
      kind: "FilesCopied",
      payload: {
        files: ["a/b.txt", "c.txt"],
        bytes_done: 5_000_000_000,
        nested: { drive_index: 0 },
      },
    });
    expect(typeof event.id).toBe("number");
    expect(event.createdAt).toBeInstanceOf(Date);
    const list = await appendEvent(catalog.db, {
      jobId: null,
      kind: "TapesSeen",
      payload: ["AAK788L9"],
    });
    expect(list.payload).toEqual(["AAK788L9"]);
  });

  it("listEvents gives a job's events in order, or those after an id", async () => {
    const first = await createJob(catalog.db, { libraryId: "default", kind: "archive", args: {} });
    const second = await createJob(catalog.db, { libraryId: "default", kind: "restore", args: {} });
    const appended = [];
    for (const [jobId, kind] of [
      [first.id, "JobStarted"],
      [second.id, "JobStarted"],
      [first.id, "TapeLoaded"],
      [null, "LibraryScanned"],
      [first.id, "JobDone"],
    ] as const) {
      appended.push(await appendEvent(catalog.db, { jobId, kind, payload: {} }));
    }
    expect((await listEvents(catalog.db, { jobId: first.id })).map((event) => event.kind)).toEqual([
      "JobStarted",
      "TapeLoaded",
      "JobDone",
    ]);
    const afterSecond = await listEvents(catalog.db, { afterId: appended[1]?.id ?? 0 });
    expect(afterSecond.map((event) => event.kind)).toEqual([
      "TapeLoaded",
      "LibraryScanned",
      "JobDone",
    ]);
    expect((await listEvents(catalog.db, { limit: 2 })).map((event) => event.id)).toEqual(
      appended.slice(0, 2).map((event) => event.id),
    );
  });
});
