import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTape } from "../../../services/catalog/db/index.ts";
import { INCOMPLETE_FOLDER } from "../../../services/ltfs/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { readManifest } from "../../../shared/manifest/index.ts";
import type { CatalogJob } from "../../../shared/messages/catalog-requests.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type LtfsHarness,
  ltfsProcessesOf,
  makeProject,
  recordArchived,
  sizeKiB,
  startLtfsHarness,
  treeOf,
} from "./support.ts";

/*
 * One tape through the archive and restore steps, in order: formatted on its first mount,
 * written, remounted, read back, unmounted; a second folder written again after an interrupted
 * copy; a packed folder; restores. Each test continues where the one before left the tape.
 */

const TAPE = "LTS001L9";
/** The simulated ltfs takes this long to write its index after umount. */
const INDEX_DELAY_MS = 1_000;

let server: TestNatsServer;
let harness: LtfsHarness;
let mountPoint: string;

beforeAll(async () => {
  // Inherited by the simulated ltfs daemons this test's service starts.
  process.env.PYTARCHIVE_SIM_LTFS_INDEX_DELAY_MS = String(INDEX_DELAY_MS);
  server = await startNatsServer();
  harness = await startLtfsHarness(server, { barcodes: [TAPE] });
  mountPoint = harness.drive(0).mountPoint;
  await harness.loadTape(1, 0);
});

afterAll(async () => {
  await harness?.close();
  await server?.dispose();
  delete process.env.PYTARCHIVE_SIM_LTFS_INDEX_DELAY_MS;
});

const doneOf = (result: {
  outcome: string;
  summary?: string;
  error?: { code: string; message: string };
}) => {
  expect(result.error).toBeUndefined();
  expect(result.outcome).toBe("done");
  return result.summary ?? "";
};

async function archiveJob(
  name: string,
  targetName: string,
): Promise<{ folder: string; job: CatalogJob }> {
  const folder = await makeProject(harness.sources, name);
  await harness.preparedFolder(name);
  const job = await harness.startJob("archive", { folder, tape: TAPE, targetName }, 0);
  return { folder, job };
}

describe("the ltfs service on a simulated library", () => {
  it("formats a blank tape on the first archive mount, writes the folder, remounts it read-only and unmounts once LTFS has exited", async () => {
    const { folder, job } = await archiveJob("alpha", "projects_alpha");

    const mounted = doneOf(await harness.runStep(job, "mount"));
    expect(mounted).toContain(`tape ${TAPE} mounted after formatting it, read-write in drive 0`);
    const tape = await getTape(harness.database.db, TAPE);
    expect(tape).toMatchObject({ state: "formatted", volumeSerial: "LTS001" });
    expect(tape?.capacityKib).toBeGreaterThan(200 * 1024);
    // Said in the log (and as progress, which a quick format here may not show for long).
    expect(
      harness.logs.find(
        (line) =>
          line.msg === `tape ${TAPE} is blank: formatting it with LTFS (volume serial LTS001)`,
      ),
    ).toMatchObject({ jobId: job.id, drive: 0, barcode: TAPE });

    const written = doneOf(await harness.runStep(job, "write"));
    expect(written).toMatch(
      new RegExp(`^wrote ${folder} to tape ${TAPE} as projects_alpha: 25 files, 2.0 MiB in `),
    );
    expect((await harness.catalog.call("folder-get", { path: folder })).folder).toMatchObject({
      state: "archiving",
      targetName: "projects_alpha",
    });
    // How far it got is reported as it goes (the copy is too quick here to see more than the start).
    expect(
      (await harness.progressTexts(job)).some((text) =>
        text.startsWith(`writing projects_alpha to tape ${TAPE}: `),
      ),
    ).toBe(true);

    const remountStarted = Date.now();
    expect(doneOf(await harness.runStep(job, "remount"))).toBe(
      `remounted tape ${TAPE} read-only in drive 0 at ${mountPoint} (index written)`,
    );
    // The read-write mount ended only once LTFS had written its index and exited.
    expect(Date.now() - remountStarted).toBeGreaterThanOrEqual(INDEX_DELAY_MS);
    expect((await harness.drive(0).currentMount())?.readOnly).toBe(true);
    const onTape = path.join(mountPoint, "projects_alpha");
    expect(await treeOf(onTape)).toEqual(await treeOf(folder, { skip: [".cache"] }));
    const manifest = await readManifest(`${onTape}.manifest.json`);
    expect(manifest.folder).toMatchObject({
      name: "projects_alpha",
      originalPath: folder,
      description: "the alpha project",
      compression: null,
    });
    expect(manifest.excluded).toEqual([".cache"]);
    // What the verification service does after its read-back.
    await recordArchived(harness.catalog, job, { folder, tape: TAPE, folderOnTape: onTape });

    expect(doneOf(await harness.runStep(job, "unmount"))).toBe(
      `unmounted tape ${TAPE} from drive 0 (index written)`,
    );
    expect(await harness.drive(0).isMounted()).toBe(false);
    expect(await ltfsProcessesOf(harness.drive(0))).toEqual([]);

    await harness.finish(job);
  });

  it("moves an interrupted copy aside and writes again; a repeated write finds the complete copy and writes nothing", async () => {
    const { folder, job } = await archiveJob("beta", "projects_beta");
    expect(doneOf(await harness.runStep(job, "mount"))).toContain(
      `tape ${TAPE} mounted, read-write in drive 0 at ${mountPoint}; 1 archived folder as the catalog says`,
    );
    // What a crash in the middle of a copy leaves: the folder, part of its files, no manifest.
    await fs.mkdir(path.join(mountPoint, "projects_beta", "data"), { recursive: true });
    await fs.writeFile(
      path.join(mountPoint, "projects_beta", "data", "large.bin"),
      "the first 40 bytes of large.bin, no more",
    );

    doneOf(await harness.runStep(job, "write"));
    const aside = await fs.readdir(path.join(mountPoint, INCOMPLETE_FOLDER));
    expect(aside).toEqual([
      expect.stringMatching(new RegExp(`^projects_beta\\.${job.id}\\.1\\.\\d{13}$`)),
    ]);
    expect(
      await fs.readdir(path.join(mountPoint, INCOMPLETE_FOLDER, aside[0] as string, "data")),
    ).toEqual(["large.bin"]);
    const onTape = path.join(mountPoint, "projects_beta");
    expect(await treeOf(onTape)).toEqual(await treeOf(folder, { skip: [".cache"] }));
    expect(
      (await harness.progressTexts(job)).some((text) =>
        text.startsWith(
          `an interrupted copy of projects_beta was on the tape: moved it to ${INCOMPLETE_FOLDER}/projects_beta.${job.id}.1.`,
        ),
      ),
    ).toBe(true);
    const manifestBefore = await fs.stat(`${onTape}.manifest.json`, { bigint: true });

    // `pytarchive requeue`: the same job again, its next attempt, with the tape still mounted.
    const again = await harness.retry(job, "write", 0);
    expect(again.attempts).toBe(2);
    // The consistency check accepts the job's own complete copy, which the catalog does not know yet.
    expect(doneOf(await harness.runStep(again, "mount"))).toContain(
      `tape ${TAPE} was already mounted, read-write`,
    );
    expect(doneOf(await harness.runStep(again, "write"))).toBe(
      `${folder} was already on tape ${TAPE} as projects_beta (written by an earlier run); nothing was written again`,
    );
    const manifestAfter = await fs.stat(`${onTape}.manifest.json`, { bigint: true });
    expect([manifestAfter.ino, manifestAfter.mtimeNs]).toEqual([
      manifestBefore.ino,
      manifestBefore.mtimeNs,
    ]);
    expect(await fs.readdir(path.join(mountPoint, INCOMPLETE_FOLDER))).toEqual(aside);
    // An unmount is done only once LTFS has written the index and exited, not when umount returns.
    const unmountStarted = Date.now();
    expect(doneOf(await harness.runStep(again, "unmount"))).toBe(
      `unmounted tape ${TAPE} from drive 0 (index written)`,
    );
    expect(Date.now() - unmountStarted).toBeGreaterThanOrEqual(INDEX_DELAY_MS);
    expect(await ltfsProcessesOf(harness.drive(0))).toEqual([]);
    await expect(fs.access(harness.layout.mountRecord(0))).rejects.toThrow();
    expect(
      harness.logs.find(
        (line) => line.msg === "unmounted; LTFS has exited" && line.jobId === again.id,
      ),
    ).toMatchObject({ wasMounted: true, ltfsPids: [expect.any(Number)] });
    // Left as a failed archive (its folder stays archiving): later mounts must accept its copy.
    await harness.catalog.call("job-fail", {
      id: again.id,
      attempt: again.attempts,
      step: "verify",
      error: { code: "TEST_STOP", message: "the test stops this archive here" },
    });
  });

  it("refuses to write a folder the tape has no room for, and writes nothing", async () => {
    const folder = await makeProject(harness.sources, "zeta");
    // Fits the catalog's count of the tape's capacity, not what LTFS has free plus a margin.
    await harness.preparedFolder("zeta", { sizeKiB: 200 * 1024 });
    const job = await harness.startJob(
      "archive",
      { folder, tape: TAPE, targetName: "projects_zeta" },
      0,
    );
    doneOf(await harness.runStep(job, "mount"));
    const result = await harness.runStep(job, "write");
    expect(result.outcome).toBe("failed");
    expect(result.error?.code).toBe("TAPE_TOO_FULL");
    expect(result.error?.message).toMatch(
      new RegExp(
        `^Tape ${TAPE} has \\d+ MiB free, but ${folder} needs 200 MiB plus 66.0 MiB of room for LTFS; nothing was written\\.$`,
      ),
    );
    expect(await fs.readdir(mountPoint)).not.toContain("projects_zeta");
    doneOf(await harness.runStep(job, "unmount"));
  });

  it("writes a packed folder's archive and restores it unpacked", async () => {
    const folder = await makeProject(harness.sources, "gamma");
    const scratch = harness.config.general.scratchPath;
    await fs.mkdir(scratch, { recursive: true });
    const archivePath = path.join(scratch, "sources_gamma-0badf00d.tar.zst");
    expectExit(
      await runCommand("tar", [
        "--create",
        `--file=${archivePath}`,
        "--zstd",
        // As prepare packs: pax headers keep the nanosecond modification times.
        "--format=posix",
        `--directory=${harness.sources}`,
        "--anchored",
        "--no-wildcards",
        "--exclude=gamma/.cache",
        "--",
        "gamma",
      ]),
    );
    await harness.preparedFolder("gamma", {
      compressed: true,
      archivePath,
      sizeKiB: await sizeKiB(archivePath),
    });
    const job = await harness.startJob(
      "archive",
      { folder, tape: TAPE, targetName: "projects_gamma" },
      0,
    );
    expect(doneOf(await harness.runStep(job, "mount"))).toContain(
      `tape ${TAPE} mounted, read-write in drive 0 at ${mountPoint}; 1 archived folder as the catalog says`,
    );
    expect(doneOf(await harness.runStep(job, "write"))).toMatch(/as projects_gamma: 1 files, /);
    const onTape = path.join(mountPoint, "projects_gamma");
    expect(await fs.readdir(onTape)).toEqual([path.basename(archivePath)]);
    expect((await readManifest(`${onTape}.manifest.json`)).folder).toMatchObject({
      originalPath: folder,
      compression: "zstd",
    });
    // The archive stays in scratch_path; the folder it was linked into for the copy is gone.
    expect(await fs.readdir(scratch)).toEqual([path.basename(archivePath)]);
    doneOf(await harness.runStep(job, "remount"));
    await recordArchived(harness.catalog, job, { folder, tape: TAPE, folderOnTape: onTape });
    await harness.finish(job);

    const target = path.join(harness.root, "restored", "gamma");
    const restore = await harness.startJob("restore", { folder, target }, 0);
    expect(doneOf(await harness.runStep(restore, "mount"))).toContain(
      "was already mounted, read-only",
    );
    expect(doneOf(await harness.runStep(restore, "restore"))).toMatch(
      new RegExp(
        `^restored ${folder} from tape ${TAPE} to ${target}: 1 files \\(unpacked from its archive\\), `,
      ),
    );
    expect(await treeOf(target, { metadata: true })).toEqual(
      await treeOf(folder, { skip: [".cache"], metadata: true }),
    );
    await harness.finish(restore);
  });

  it("restores an archived folder with its folders' modes and times and its links, and refuses a target that is not empty", async () => {
    const folder = path.join(harness.sources, "alpha");
    const target = path.join(harness.root, "restored", "alpha");
    const job = await harness.startJob("restore", { folder, target }, 0);
    expect(doneOf(await harness.runStep(job, "mount"))).toContain(
      `read-only in drive 0 at ${mountPoint}; 2 archived folders as the catalog says`,
    );
    const restored = doneOf(await harness.runStep(job, "restore"));
    expect(restored).toMatch(
      new RegExp(`^restored ${folder} from tape ${TAPE} to ${target}: 25 files, `),
    );
    expect(restored).toContain("every checksum matched");
    expect(restored).not.toContain("import-tape");
    expect(await treeOf(target, { metadata: true })).toEqual(
      await treeOf(folder, { skip: [".cache"], metadata: true }),
    );
    await harness.finish(job);

    // Recorded by import-tape from the tape itself: the restore says what its match is worth.
    await harness.database.db
      .updateTable("folders")
      .set({ checksumsFrom: "tape" })
      .where("path", "=", folder)
      .execute();
    const imported = await harness.startJob(
      "restore",
      { folder, target: path.join(harness.root, "restored", "alpha-imported") },
      0,
    );
    doneOf(await harness.runStep(imported, "mount"));
    expect(doneOf(await harness.runStep(imported, "restore"))).toContain(
      `every checksum matched those import-tape took from the tape; they were never compared with the original (\`pytarchive verify --adopt ${folder}\` compares them while the original is there)`,
    );
    await harness.finish(imported);
    await harness.database.db
      .updateTable("folders")
      .set({ checksumsFrom: "original" })
      .where("path", "=", folder)
      .execute();

    const occupied = path.join(harness.root, "restored", "occupied");
    await fs.mkdir(occupied, { recursive: true });
    await fs.writeFile(path.join(occupied, "someone-elses.txt"), "keep me\n");
    const refused = await harness.startJob("restore", { folder, target: occupied }, 0);
    const result = await harness.runStep(refused, "restore");
    expect(result).toMatchObject({
      outcome: "failed",
      error: {
        code: "TARGET_NOT_EMPTY",
        message: `The restore target ${occupied} is not empty; nothing was restored.`,
      },
    });
    expect(await fs.readdir(occupied)).toEqual(["someone-elses.txt"]);
    doneOf(await harness.runStep(refused, "unmount"));
  });
});
