import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { describeTransfer } from "../../../services/ltfs/describe-transfer.ts";
import { createDriveLocks } from "../../../services/ltfs/drive-locks.ts";
import { describeBytes } from "../../../shared/format/describe-size.ts";

/** Runs `ms` of pretend work on `drive`, recording when it started and ended. */
function work(events: string[], name: string, ms: number) {
  return async () => {
    events.push(`${name} start`);
    await sleep(ms);
    events.push(`${name} end`);
    return name;
  };
}

describe("createDriveLocks", () => {
  it("runs steps of one drive one after the other, in arrival order", async () => {
    const locks = createDriveLocks();
    const events: string[] = [];
    const results = await Promise.all([
      locks.withDrive(0, undefined, work(events, "mount", 30)),
      locks.withDrive(0, undefined, work(events, "write", 10)),
      locks.withDrive(0, undefined, work(events, "unmount", 1)),
    ]);
    expect(results).toEqual(["mount", "write", "unmount"]);
    expect(events).toEqual([
      "mount start",
      "mount end",
      "write start",
      "write end",
      "unmount start",
      "unmount end",
    ]);
    expect(locks.isBusy(0)).toBe(false);
  });

  it("lets steps of different drives run at the same time", async () => {
    const locks = createDriveLocks();
    const events: string[] = [];
    await Promise.all([
      locks.withDrive(0, undefined, work(events, "drive 0", 30)),
      locks.withDrive(1, undefined, work(events, "drive 1", 1)),
    ]);
    expect(events).toEqual(["drive 0 start", "drive 1 start", "drive 1 end", "drive 0 end"]);
  });

  it("stops a waiting step when its signal is aborted, frees the drive after a failure", async () => {
    const locks = createDriveLocks();
    const events: string[] = [];
    const stop = new AbortController();
    const failing = locks.withDrive(0, undefined, async () => {
      await sleep(20);
      throw new Error("LTFS failed");
    });
    const aborted = locks.withDrive(0, stop.signal, work(events, "aborted", 1));
    const next = locks.withDrive(0, undefined, work(events, "next", 1));
    stop.abort(new Error("operator abort"));
    await expect(aborted).rejects.toThrow("operator abort");
    await expect(failing).rejects.toThrow("LTFS failed");
    expect(await next).toBe("next");
    expect(events).toEqual(["next start", "next end"]);
  });
});

describe("progress of a copy to or from tape", () => {
  it("reads as bytes and files done of their totals", () => {
    const counts = {
      bytesDone: 13_207_024_435,
      bytesTotal: 32_212_254_720,
      filesDone: 1204,
      filesTotal: 5000,
    };
    // The numbers travel along for the rate and ETA (progress as data).
    expect(describeTransfer(counts)).toEqual({
      percent: 40,
      text: "12.3 GiB of 30.0 GiB, 1,204 of 5,000 files",
      counts,
    });
    const few = { bytesDone: 0, bytesTotal: 0, filesDone: 3, filesTotal: 4 };
    expect(describeTransfer(few)).toEqual({
      percent: 75,
      text: "0 B of 0 B, 3 of 4 files",
      counts: few,
    });
    expect(describeBytes(17_138_671_616 * 1024)).toBe("16.0 TiB");
  });
});
