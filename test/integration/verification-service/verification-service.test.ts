import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countFiles,
  findFolderByPath,
  listEvents,
  upsertPreparedFolder,
  upsertTape,
} from "../../../services/catalog/db/index.ts";
import { createCatalogService } from "../../../services/catalog/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import { createVerificationService } from "../../../services/verification/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import type { CatalogFile } from "../../../shared/messages/catalog-requests.ts";
import { readFolderFiles } from "../../../shared/nats/index.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { seedArchived } from "../gateway/support.ts";
import { quietLog, uniqueLibraryId } from "../scheduler/support.ts";
import {
  connectHarness,
  endJob,
  flipByte,
  makeSourceFolder,
  type SourceFile,
  sourceFiles,
  startVerifyJob,
  type TapeJobHarness,
  verificationTestConfig,
  writeArchiveJob,
} from "./support.ts";

let server: TestNatsServer;
let database: TestCatalogDatabase;
let root: string;
let sources: string;
let tapeFolders: [string, string];
let config: PytarchiveConfig;
let services: RunningServices;
let harness: TapeJobHarness;

const TAPE_A = "VER001L9";
const TAPE_B = "VER002L9";

/** The services' `[NATS] library_id`: the tapes are seeded into it. */
const libraryId = uniqueLibraryId();

beforeAll(async () => {
  server = await startNatsServer();
  database = await pgliteDatabaseFactory.open();
  root = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-verification-service-"));
  sources = path.join(root, "sources");
  // Each drive's "tape" is a plain folder at its mount point: the service only reads files.
  tapeFolders = [path.join(root, "tape-a"), path.join(root, "tape-b")];
  for (const folder of [sources, ...tapeFolders]) await fs.mkdir(folder, { recursive: true });
  config = verificationTestConfig({
    libraryId,
    natsUrl: server.url,
    root,
    mountPoints: tapeFolders,
  });
  await upsertTape(database.db, { libraryId, barcode: TAPE_A, homeSlot: 1 });
  await upsertTape(database.db, { libraryId, barcode: TAPE_B, homeSlot: 2 });
  services = await runServices({
    services: [
      createCatalogService({ database: database.db }),
      createVerificationService({ ackWaitMs: 5_000, progressIntervalMs: 100 }),
    ],
    config,
    handleSignals: false,
    logStream: quietLog,
  });
  harness = await connectHarness(server.url, libraryId);
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await services?.stop();
  await database?.close();
  await server?.dispose();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

/** `text` as a regular expression that matches just it. */
const re = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A source folder the catalog knows as prepared, as a finished prepare job leaves it. */
async function preparedFolder(
  name: string,
  fill?: (folder: string) => Promise<void>,
): Promise<{ folder: string; files: SourceFile[] }> {
  const folder = await makeSourceFolder(sources, name);
  await fill?.(folder);
  const files = await sourceFiles(folder);
  await upsertPreparedFolder(database.db, {
    path: folder,
    description: `the ${name} project`,
    sizeKib: Math.ceil(files.reduce((sum, file) => sum + file.sizeBytes, 0) / 1024),
    fileCount: files.length,
    compressed: false,
    archivePath: null,
  });
  return { folder, files };
}

/** Every file the catalog has for an archived folder, read as `pytarchive restore` would. */
async function catalogFiles(folder: string): Promise<CatalogFile[]> {
  const files = await readFolderFiles(harness.catalog, folder);
  const { total } = await harness.catalog.call("folder-files", { path: folder, limit: 1 });
  expect(files).toHaveLength(total ?? -1);
  return files;
}

/** Writes a folder to tape A or B (drive 0 or 1) and runs the verify step; returns its result. */
async function archive(name: string, tape: typeof TAPE_A | typeof TAPE_B = TAPE_A) {
  const { folder, files } = await preparedFolder(name);
  const drive = tape === TAPE_A ? 0 : 1;
  const job = await writeArchiveJob(harness.catalog, {
    folder,
    tape,
    targetName: name,
    drive,
    mountPoint: tapeFolders[drive],
  });
  await harness.send(job, "verify");
  const result = await harness.result(job.id, "verify");
  await endJob(harness.catalog, job, result);
  return { folder, files, job, result, onTape: path.join(tapeFolders[drive], name) };
}

/** Runs a verify job of `target` (folder or barcode) on `drive` and returns its step's result. */
async function verify(target: string, drive: number) {
  const job = await startVerifyJob(harness.catalog, target, drive);
  await harness.send(job, "check");
  const result = await harness.result(job.id, "check");
  await endJob(harness.catalog, job, result);
  return { job, result };
}

async function deleteablePaths(): Promise<string[]> {
  const { folders } = await harness.catalog.call("deleteable-candidates", {});
  return folders.map((folder) => folder.path);
}

describe("the verify step of an archive job", () => {
  it("archives the folder once every file read back matches, with the source's files in the catalog", async () => {
    const { folder, files, result } = await archive("alpha");

    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ outcome: "done", step: "verify" });
    expect(result.summary).toMatch(
      new RegExp(
        `^read back ${files.length} files \\(3\\.\\d MiB\\) from tape ${TAPE_A}: all checksums match; folder archived$`,
      ),
    );
    const { folder: archived } = await harness.catalog.call("folder-get", { path: folder });
    expect(archived).toMatchObject({
      state: "archived",
      tapeBarcode: TAPE_A,
      targetName: "alpha",
    });
    expect(archived?.verifiedAt).not.toBeNull();

    const recorded = await catalogFiles(folder);
    const byPath = [...recorded].sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(
      byPath.map(({ path, sizeBytes, sha256, mtimeNs }) => ({ path, sizeBytes, sha256, mtimeNs })),
    ).toEqual(files);
    // Only regular files: the link and the folders are in the manifest, not in the files table.
    expect(recorded.some((file) => file.path === "many/readme link")).toBe(false);
    // A plain folder has no LTFS attributes, so no start blocks.
    expect(recorded.every((file) => file.startBlock === null && file.partition === null)).toBe(
      true,
    );
    expect(recorded.find((file) => file.path === "readme.txt")?.mode).toBe(
      (await fs.stat(path.join(folder, "readme.txt"))).mode,
    );
    expect(await deleteablePaths()).toContain(folder);
  });

  it("records every file again when an interrupted run left a part of them in the catalog", async () => {
    const { folder, files } = await preparedFolder("iota");
    const job = await writeArchiveJob(harness.catalog, {
      folder,
      tape: TAPE_A,
      targetName: "iota",
      drive: 0,
      mountPoint: tapeFolders[0],
    });
    // What a run that crashed after its first batch leaves: some rows, one of them stale.
    const readme = files.find((file) => file.path === "readme.txt");
    await harness.catalog.call("files-record", {
      jobId: job.id,
      attempt: job.attempts,
      path: folder,
      tape: TAPE_A,
      files: [
        {
          path: "readme.txt",
          sizeBytes: 1,
          mtimeNs: "0",
          mode: 0o100644,
          sha256: "f".repeat(64),
          startBlock: null,
          partition: null,
        },
      ],
    });
    expect(readme).toBeDefined();

    await harness.send(job, "verify");
    const result = await harness.result(job.id, "verify");
    await endJob(harness.catalog, job, result);

    expect(result.error).toBeUndefined();
    const recorded = await catalogFiles(folder);
    expect(recorded).toHaveLength(files.length);
    expect(recorded.find((file) => file.path === "readme.txt")).toMatchObject({
      sizeBytes: readme?.sizeBytes,
      sha256: readme?.sha256,
    });
    expect((await findFolderByPath(database.db, folder))?.state).toBe("archived");
  });

  it("records a folder of more files than one catalog request holds, and checks it page by page", async () => {
    const name = "kappa";
    // 2,345 more small files: more than MAX_FILES_PER_REQUEST (2,000) in one folder.
    const { folder, files } = await preparedFolder(name, async (folder) => {
      for (let index = 0; index < 2_345; index += 1) {
        const dir = path.join(folder, "bulk", String(index % 10));
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(path.join(dir, `file-${index}.txt`), `bulk file ${index}\n`);
      }
    });
    const row = await findFolderByPath(database.db, folder);
    const job = await writeArchiveJob(harness.catalog, {
      folder,
      tape: TAPE_A,
      targetName: name,
      drive: 0,
      mountPoint: tapeFolders[0],
    });
    await harness.send(job, "verify");
    const result = await harness.result(job.id, "verify");
    await endJob(harness.catalog, job, result);

    expect(result.error).toBeUndefined();
    expect(result.summary).toMatch(
      new RegExp(`^read back ${files.length.toLocaleString("en-US")} files `),
    );
    const { total } = await harness.catalog.call("folder-files", { path: folder, limit: 1 });
    expect(total).toBe(files.length);
    expect(await countFiles(database.db, row?.id ?? -1)).toBe(files.length);

    const checked = await verify(folder, 0);
    expect(checked.result.error).toBeUndefined();
    expect(checked.result.summary).toContain(
      `verified 1 folder, ${files.length.toLocaleString("en-US")} files,`,
    );
  });

  it("fails with VERIFY_MISMATCH naming a file changed on the tape; once the job failed no file is recorded and the folder is not archived", async () => {
    const { folder, files } = await preparedFolder("beta");
    const job = await writeArchiveJob(harness.catalog, {
      folder,
      tape: TAPE_A,
      targetName: "beta",
      drive: 0,
      mountPoint: tapeFolders[0],
    });
    const onTape = path.join(tapeFolders[0], "beta");
    await flipByte(path.join(onTape, "data", "large.bin"), 2 * 1024 * 1024);
    expect((await fs.stat(path.join(onTape, "data", "large.bin"))).size).toBe(
      files.find((file) => file.path === "data/large.bin")?.sizeBytes,
    );

    await harness.send(job, "verify");
    const result = await harness.result(job.id, "verify");
    await endJob(harness.catalog, job, result);

    expect(result.outcome).toBe("failed");
    expect(result.error?.code).toBe("VERIFY_MISMATCH");
    expect(result.error?.message).toMatch(
      new RegExp(
        `^Reading ${re(folder)} back from tape ${TAPE_A} \\(${re(onTape)}\\) found 1 problem: data/large\\.bin: checksum differs \\(recorded [0-9a-f]{12}…, read [0-9a-f]{12}…\\)\\.$`,
      ),
    );
    expect(result.error?.hint).toContain(`pytarchive archive ${folder} TAPE -t NAME`);
    expect(result.error?.hint).toContain("its original is untouched");

    const row = await findFolderByPath(database.db, folder);
    expect(row?.state).not.toBe("archived");
    expect(row?.verifiedAt).toBeNull();
    expect(await countFiles(database.db, row?.id ?? -1)).toBe(0);
    expect(await deleteablePaths()).not.toContain(folder);
    // The original is untouched.
    expect(await sourceFiles(folder)).toEqual(files);
  });

  it("fails with VERIFY_WRONG_FOLDER when the name on the tape holds another folder's copy", async () => {
    const { folder } = await preparedFolder("gamma");
    const { folder: other } = await preparedFolder("gamma-other");
    // The other folder's copy sits under gamma's name: the manifest says whose it is.
    const job = await writeArchiveJob(harness.catalog, {
      folder: other,
      tape: TAPE_A,
      targetName: "gamma-taken",
      drive: 0,
      mountPoint: tapeFolders[0],
    });
    await harness.catalog.call("job-fail", {
      id: job.id,
      attempt: job.attempts,
      step: "write",
      error: { code: "TEST", message: "only its copy was wanted" },
    });
    const own = await writeArchiveJob(harness.catalog, {
      folder,
      tape: TAPE_A,
      targetName: "gamma",
      drive: 0,
      mountPoint: await fs.mkdtemp(path.join(root, "elsewhere-")),
    });
    await fs.cp(path.join(tapeFolders[0], "gamma-taken"), path.join(tapeFolders[0], "gamma"), {
      recursive: true,
    });
    await fs.copyFile(
      path.join(tapeFolders[0], "gamma-taken.manifest.json"),
      path.join(tapeFolders[0], "gamma.manifest.json"),
    );

    await harness.send(own, "verify");
    const result = await harness.result(own.id, "verify");
    await endJob(harness.catalog, own, result);

    expect(result.outcome).toBe("failed");
    expect(result.error?.code).toBe("VERIFY_WRONG_FOLDER");
    expect(result.error?.message).toContain(`holds a copy of ${other}, not of ${folder}`);
    expect((await findFolderByPath(database.db, folder))?.state).not.toBe("archived");
  });
});

describe("the check step of a verify job", () => {
  it("verifies an archived folder against the catalog and sets its verifiedAt", async () => {
    const { folder, files } = await archive("delta");
    const before = (await findFolderByPath(database.db, folder))?.verifiedAt ?? null;
    expect(before).not.toBeNull();

    const { result } = await verify(folder, 0);

    expect(result.error).toBeUndefined();
    expect(result.outcome).toBe("done");
    expect(result.summary).toMatch(
      new RegExp(
        `^verified 1 folder, ${files.length} files, 3\\.\\d MiB on tape ${TAPE_A}: all checksums match$`,
      ),
    );
    const after = (await findFolderByPath(database.db, folder))?.verifiedAt ?? null;
    expect(after?.getTime()).toBeGreaterThan(before?.getTime() ?? Number.POSITIVE_INFINITY);
    expect(await deleteablePaths()).toContain(folder);
  });

  it("fails naming the changed file and clears verifiedAt, so deleteable no longer lists the folder", async () => {
    const { folder, onTape } = await archive("epsilon");
    expect(await deleteablePaths()).toContain(folder);
    await flipByte(path.join(onTape, "many", "note-007.txt"), 3);

    const { job, result } = await verify(folder, 0);

    expect(result.outcome).toBe("failed");
    expect(result.error?.code).toBe("VERIFY_MISMATCH");
    expect(result.error?.message).toMatch(
      new RegExp(
        `^Verifying ${re(folder)} on tape ${TAPE_A} found problems in 1 folder of 1:\n${re(folder)}: 1 problem: many/note-007\\.txt: checksum differs \\(recorded [0-9a-f]{12}…, read [0-9a-f]{12}…\\)$`,
      ),
    );
    expect(result.error?.hint).toContain("Keep the originals");
    const row = await findFolderByPath(database.db, folder);
    expect(row).toMatchObject({ state: "archived", verifiedAt: null });
    expect(await deleteablePaths()).not.toContain(folder);
    const failedEvents = (await listEvents(database.db, { jobId: job.id })).filter(
      (event) => event.kind === "folder.verify-failed",
    );
    expect(failedEvents).toHaveLength(1);
    expect(failedEvents[0]?.payload).toMatchObject({
      path: folder,
      tape: TAPE_A,
      problems: [expect.stringMatching(/^many\/note-007\.txt: checksum differs/)],
    });
  });

  it("reports a file the manifest and the catalog disagree on, and a file missing from the tape", async () => {
    const { folder, onTape } = await archive("zeta");
    await fs.rm(path.join(onTape, "data", "small.bin"));
    const row = await findFolderByPath(database.db, folder);
    // The catalog's record of readme.txt is damaged; the tape and the manifest still agree.
    await database.db
      .updateTable("files")
      .set({ checksum: "0".repeat(64) })
      .where("folderId", "=", row?.id ?? -1)
      .where("relativePath", "=", "readme.txt")
      .execute();

    const { result } = await verify(folder, 0);

    expect(result.error?.code).toBe("VERIFY_MISMATCH");
    const message = result.error?.message ?? "";
    expect(message).toContain(`${folder}: 3 problems:`);
    expect(message).toContain("readme.txt: the manifest records checksum ");
    expect(message).toMatch(/readme\.txt: checksum differs \(recorded 000000000000…, read/);
    expect(message).toContain("data/small.bin: missing from the tape (a file was recorded)");
    expect((await findFolderByPath(database.db, folder))?.verifiedAt).toBeNull();
  });

  it("verifies every archived folder of a tape, one after the other, and names only the damaged one", async () => {
    const first = await archive("eta", TAPE_B);
    const second = await archive("theta", TAPE_B);
    const fileCount = first.files.length + second.files.length;

    const passed = await verify(TAPE_B, 1);
    expect(passed.result.error).toBeUndefined();
    expect(passed.result.summary).toMatch(
      new RegExp(
        `^verified 2 folders, ${fileCount} files, [67]\\.\\d MiB on tape ${TAPE_B}: all checksums match$`,
      ),
    );
    const events = await listEvents(database.db, { jobId: passed.job.id });
    expect(
      events
        .filter((event) => event.kind === "folder.verified")
        .map((event) => (event.payload as { path: string }).path)
        .sort(),
    ).toEqual([first.folder, second.folder].sort());

    await flipByte(path.join(second.onTape, "names with spaces", "Résumé — final.txt"), 0);
    const failed = await verify(TAPE_B, 1);
    expect(failed.result.error?.code).toBe("VERIFY_MISMATCH");
    expect(failed.result.error?.message).toMatch(
      new RegExp(
        `^Verifying tape ${TAPE_B} found problems in 1 folder of 2:\n${re(second.folder)}: 1 problem: names with spaces/Résumé — final\\.txt: checksum differs`,
      ),
    );
    expect(failed.result.error?.message).not.toContain(first.folder);
    expect((await findFolderByPath(database.db, first.folder))?.verifiedAt).not.toBeNull();
    expect((await findFolderByPath(database.db, second.folder))?.verifiedAt).toBeNull();
    const candidates = await deleteablePaths();
    expect(candidates).toContain(first.folder);
    expect(candidates).not.toContain(second.folder);
  });
});

describe("a plain verify of a tape holding folders the original pytarchive archived", () => {
  const TAPE_C = "VER003L9";

  it("reads the folders with checksums and names those not adopted with what to run, instead of failing them", async () => {
    await upsertTape(database.db, { libraryId, barcode: TAPE_C, homeSlot: 3 });
    const { folder } = await preparedFolder("omicron");
    const job = await writeArchiveJob(harness.catalog, {
      folder,
      tape: TAPE_C,
      targetName: "omicron",
      drive: 1,
      mountPoint: tapeFolders[1],
    });
    await harness.send(job, "verify");
    await endJob(harness.catalog, job, await harness.result(job.id, "verify"));
    // As import-legacy records a database.json entry: archived, no files, no checksums.
    const legacy = path.join(sources, "legacy-survey");
    await seedArchived(database.db, legacy, { tape: TAPE_C, name: "legacy-survey", sizeKib: 1 });
    await database.db
      .updateTable("folders")
      .set({ checksumsFrom: null, verifiedAt: null })
      .where("path", "=", legacy)
      .execute();
    await fs.mkdir(path.join(tapeFolders[1], "legacy-survey"));
    await fs.writeFile(path.join(tapeFolders[1], "legacy-survey", "notes.txt"), "1999\n");
    expect((await findFolderByPath(database.db, legacy))?.checksumsFrom).toBeNull();

    const { result } = await verify(TAPE_C, 1);

    expect(result.error).toBeUndefined();
    expect(result.summary).toMatch(
      new RegExp(
        `^verified 1 folder, \\d+ files, .* on tape ${TAPE_C}: all checksums match; 1 folder archived by the original pytarchive is not adopted, so the catalog has no checksums to read it by and it was not read: ${re(legacy)}; \`pytarchive verify --adopt FOLDER\` compares each with its original \\(\`pytarchive verify --adopt ${TAPE_C}\` all of them\\)$`,
      ),
    );
    expect((await findFolderByPath(database.db, legacy))?.verifiedAt).toBeNull();
    expect((await findFolderByPath(database.db, folder))?.verifiedAt).not.toBeNull();
  });
});
