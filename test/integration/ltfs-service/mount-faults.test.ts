import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTape, upsertTape } from "../../../services/catalog/db/index.ts";
import { copyFolderToTape } from "../../../services/ltfs/engine/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { type LtfsHarness, ltfsProcessesOf, makeProject, startLtfsHarness } from "./support.ts";

/*
 * Mounts that must not simply succeed: a blank cartridge where the catalog expects data, a
 * tape LTFS left unclean, a tape that does not hold what the catalog says.
 */

const WRONG_BLANK = "LTS002L9";
const UNCLEAN = "LTS003L9";
const SMALL = "LTS004L9";

let server: TestNatsServer;
let harness: LtfsHarness;

beforeAll(async () => {
  server = await startNatsServer();
  harness = await startLtfsHarness(server, {
    barcodes: [WRONG_BLANK, UNCLEAN, SMALL],
    capacityMiB: 128,
  });
});

afterAll(async () => {
  await harness?.close();
  await server?.dispose();
});

describe("mounting tapes that disagree with the catalog or need recovery", () => {
  it("says on start what each drive has mounted", () => {
    expect(
      harness.logs
        .filter((line) => line.msg === "drive has nothing mounted")
        .map((line) => line.drive),
    ).toEqual([0, 1]);
  });

  it("refuses to format a blank cartridge the catalog says holds data, and formats nothing", async () => {
    await upsertTape(harness.database.db, {
      libraryId: harness.libraryId,
      barcode: WRONG_BLANK,
      state: "formatted",
      volumeSerial: "LTS002",
    });
    await harness.loadTape(1, 1);
    const folder = await makeProject(harness.sources, "epsilon");
    await harness.preparedFolder("epsilon");
    const job = await harness.startJob(
      "archive",
      { folder, tape: WRONG_BLANK, targetName: "projects_epsilon" },
      1,
    );

    const result = await harness.runStep(job, "mount");
    expect(result.outcome).toBe("failed");
    expect(result.error?.code).toBe("TAPE_CATALOG_MISMATCH");
    expect(result.error?.message).toContain(
      `The catalog says tape ${WRONG_BLANK} holds data (formatted, 0 folders archived), but the tape in drive 1 is blank: wrong cartridge? Nothing was written, and the tape was not formatted.`,
    );
    // Still blank: no LTFS volume was made on it, and the catalog still expects one.
    expect(await fs.readdir(harness.layout.tapeDir(WRONG_BLANK))).toEqual([]);
    expect(await getTape(harness.database.db, WRONG_BLANK)).toMatchObject({ state: "formatted" });
    expect(await harness.drive(1).isMounted()).toBe(false);

    // The scheduler's release after the failure.
    expect(await harness.runStep(job, "unmount")).toMatchObject({
      outcome: "done",
      summary: "nothing was mounted in drive 1 and no LTFS process was running",
    });
  });

  it("runs ltfsck on a tape LTFS left without writing its index, then mounts it", async () => {
    await upsertTape(harness.database.db, {
      libraryId: harness.libraryId,
      barcode: UNCLEAN,
      state: "formatted",
    });
    await harness.loadTape(2, 0);
    const drive = harness.drive(0);
    await drive.format({ volumeSerial: "LTS003" });
    await drive.mount();
    await fs.writeFile(path.join(drive.mountPoint, "written after the last index.txt"), "lost\n");
    // A crash of LTFS: the daemon dies without unmounting or writing its index.
    const [pid] = await ltfsProcessesOf(drive);
    process.kill(pid as number, "SIGKILL");
    await waitUntil(async () => (await ltfsProcessesOf(drive)).length === 0);

    const job = await harness.startJob("verify", { target: UNCLEAN }, 0);
    const result = await harness.runStep(job, "mount");
    expect(result.error).toBeUndefined();
    expect(result.summary).toContain(
      `tape ${UNCLEAN} mounted after ltfsck recovered it, read-only in drive 0`,
    );
    expect(
      harness.logs.find(
        (line) =>
          line.msg === `tape ${UNCLEAN} needs recovery after an unclean unmount: running ltfsck`,
      ),
    ).toMatchObject({ level: "warn", jobId: job.id, drive: 0, barcode: UNCLEAN });
    expect((await drive.currentMount())?.readOnly).toBe(true);

    expect(await harness.runStep(job, "unmount")).toMatchObject({
      outcome: "done",
      summary: `unmounted tape ${UNCLEAN} from drive 0 (index written)`,
    });
    await harness.finish(job);
  });

  it("fails the mount when a folder the catalog has on the tape is missing or the tape holds one it does not know", async () => {
    // The catalog has "delta" archived on the tape, though it was never written there.
    const delta = await makeProject(harness.sources, "delta");
    await harness.preparedFolder("delta");
    const archive = await harness.startJob(
      "archive",
      { folder: delta, tape: UNCLEAN, targetName: "projects_delta" },
      0,
    );
    const readme = await fs.readFile(path.join(delta, "readme.txt"));
    const base = { jobId: archive.id, attempt: archive.attempts, path: delta, tape: UNCLEAN };
    await harness.catalog.call("folder-archiving", { ...base, targetName: "projects_delta" });
    await harness.catalog.call("files-record", {
      ...base,
      files: [
        {
          path: "readme.txt",
          sizeBytes: readme.length,
          mtimeNs: "1700000000000000000",
          mode: 0o100644,
          sha256: createHash("sha256").update(readme).digest("hex"),
          startBlock: null,
          partition: null,
        },
      ],
    });
    await harness.catalog.call("folder-archived", {
      ...base,
      fileCount: 1,
      verifiedAt: new Date().toISOString(),
    });
    await harness.finish(archive);
    // And the tape holds a complete copy of a folder the catalog never heard of.
    const stranger = await makeProject(harness.sources, "stranger");
    const drive = harness.drive(0);
    await drive.mount();
    await copyFolderToTape({
      source: stranger,
      destination: path.join(drive.mountPoint, "someone_elses"),
      description: "written by another host",
    });
    await drive.unmount();

    const job = await harness.startJob("verify", { target: UNCLEAN }, 0);
    const result = await harness.runStep(job, "mount");
    expect(result.outcome).toBe("failed");
    expect(result.error?.code).toBe("TAPE_CATALOG_MISMATCH");
    expect(result.error?.message).toBe(
      `Tape ${UNCLEAN} in drive 0 does not hold what the catalog says: projects_delta (archived from ${delta}) is missing from the tape; someone_elses (a complete copy of ${stranger}) is on the tape but not in the catalog. Nothing was written to it.`,
    );

    // The release the scheduler sends after the failure; then the 53/03 recovery, mount and unmount.
    expect(await harness.runStep(job, "unmount")).toMatchObject({
      outcome: "done",
      summary: `unmounted tape ${UNCLEAN} from drive 0 (index written)`,
    });
    expect(await harness.runStep(job, "cycle")).toMatchObject({
      outcome: "done",
      summary: `mounted and unmounted tape ${UNCLEAN} in drive 0 so that LTFS releases its lock on the cartridge (index written)`,
    });
    expect(await drive.isMounted()).toBe(false);
    expect(await ltfsProcessesOf(drive)).toEqual([]);
  });
});

describe("a tape that fills up during the copy", () => {
  it("fails the write with the engine's error, leaves the copy without a manifest and records the tape full", async () => {
    await harness.unloadTape(1, 1);
    await harness.loadTape(3, 1);
    const folder = path.join(harness.sources, "huge");
    await fs.mkdir(folder, { recursive: true });
    const chunk = randomBytes(1024 * 1024);
    const handle = await fs.open(path.join(folder, "bigger than the tape.bin"), "w");
    for (let mib = 0; mib < 140; mib += 1) await handle.write(chunk);
    await handle.close();
    // The catalog underestimates it, so the room check before the copy lets it through.
    await harness.preparedFolder("huge", { sizeKiB: 1 });
    const job = await harness.startJob("archive", { folder, tape: SMALL, targetName: "huge" }, 1);
    expect((await harness.runStep(job, "mount")).summary).toContain("after formatting it");

    const result = await harness.runStep(job, "write");
    expect(result.outcome).toBe("failed");
    expect(result.error?.code).toBe("ARCHIVE_TAPE_FULL");
    expect(result.error?.message).toMatch(
      /^The tape is full: writing .* failed after 0 of 1 files/,
    );
    const mountPoint = harness.drive(1).mountPoint;
    expect(await fs.readdir(mountPoint)).toContain("huge");
    expect(await fs.readdir(mountPoint)).not.toContain("huge.manifest.json");
    expect(await getTape(harness.database.db, SMALL)).toMatchObject({ state: "full" });
    expect((await harness.runStep(job, "unmount")).outcome).toBe("done");
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
