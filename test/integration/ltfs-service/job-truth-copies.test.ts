import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFolderByPath } from "../../../services/catalog/db/index.ts";
import { INCOMPLETE_FOLDER } from "../../../services/ltfs/index.ts";
import { readManifest } from "../../../shared/manifest/index.ts";
import type { CatalogJob } from "../../../shared/messages/catalog-requests.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type LtfsHarness,
  makeProject,
  recordArchived,
  startLtfsHarness,
  treeOf,
} from "./support.ts";

/*
 * What a tape copy is worth: a copy left by an archive that failed is the archive only while it
 * still matches the original, and a copy the catalog records as archived is never moved aside.
 */

const TAPE = "LTJ001L9";

let server: TestNatsServer;
let harness: LtfsHarness;
let mountPoint: string;

beforeAll(async () => {
  server = await startNatsServer();
  harness = await startLtfsHarness(server, { barcodes: [TAPE] });
  mountPoint = harness.drive(0).mountPoint;
  await harness.loadTape(1, 0);
});

afterAll(async () => {
  await harness?.close();
  await server?.dispose();
});

function doneOf(result: { outcome: string; summary?: string; error?: { message: string } }) {
  expect(result.error).toBeUndefined();
  expect(result.outcome).toBe("done");
  return result.summary ?? "";
}

/** Fails a running archive as the scheduler does: the folder first (back to prepared), then the job. */
async function failArchive(job: CatalogJob, folder: string): Promise<void> {
  const error = { code: "VERIFY_MISMATCH", message: "the read-back found a problem" };
  await harness.catalog.call("folder-failed", { jobId: job.id, path: folder, error });
  await harness.catalog.call("job-fail", {
    id: job.id,
    attempt: job.attempts,
    step: "verify",
    error,
  });
}

/** The copies moved aside (their manifests, when they had one, lie beside them). */
async function asideNames(): Promise<string[]> {
  const names = await fs.readdir(path.join(mountPoint, INCOMPLETE_FOLDER)).catch(() => []);
  return names.filter((name) => !name.endsWith(".manifest.json")).sort();
}

describe("tape copies and the truth of archive jobs", () => {
  it("an original changed after a failed archive is written again, and the archive matches the changed original", async () => {
    const folder = await makeProject(harness.sources, "gamma");
    await harness.preparedFolder("gamma");
    const args = { folder, tape: TAPE, targetName: "projects_gamma" };
    const first = await harness.startJob("archive", args, 0);
    doneOf(await harness.runStep(first, "mount"));
    doneOf(await harness.runStep(first, "write"));
    const onTape = path.join(mountPoint, "projects_gamma");
    const before = await treeOf(onTape);
    await failArchive(first, folder);
    expect((await findFolderByPath(harness.database.db, folder))?.state).toBe("prepared");

    // The user changes the original (same size, new content and time) and adds a file.
    await fs.writeFile(path.join(folder, "readme.txt"), "The GAMMA project.\n");
    await fs.writeFile(path.join(folder, "many", "added.txt"), "written after the failure\n");

    const second = await harness.startJob("archive", args, 0);
    doneOf(await harness.runStep(second, "mount"));
    expect(doneOf(await harness.runStep(second, "write"))).toMatch(
      new RegExp(`^wrote ${folder} to tape ${TAPE} as projects_gamma: 26 files`),
    );
    expect(await treeOf(onTape)).toEqual(await treeOf(folder, { skip: [".cache"] }));
    expect(await treeOf(onTape)).not.toEqual(before);
    const [aside] = await asideNames();
    expect(aside).toMatch(new RegExp(`^projects_gamma\\.${second.id}\\.1\\.\\d{13}$`));
    // The older copy went with its manifest: the name holds only the new copy's.
    const oldManifest = await readManifest(
      path.join(mountPoint, INCOMPLETE_FOLDER, `${aside}.manifest.json`),
    );
    expect(oldManifest.totals.files).toBe(25);
    expect((await readManifest(`${onTape}.manifest.json`)).totals.files).toBe(26);
    expect(
      (await harness.progressTexts(second)).some((text) =>
        text.startsWith(
          "an older copy of projects_gamma was on the tape, but the original changed since (",
        ),
      ),
    ).toBe(true);

    // `pytarchive requeue` of the same job after another change: written again too.
    await fs.writeFile(path.join(folder, "empty.txt"), "no longer empty\n");
    const again = await harness.retry(second, "verify", 0);
    doneOf(await harness.runStep(again, "mount"));
    expect(doneOf(await harness.runStep(again, "write"))).toMatch(/^wrote /);
    expect(await treeOf(onTape)).toEqual(await treeOf(folder, { skip: [".cache"] }));
    expect(await asideNames()).toHaveLength(2);

    // Unchanged since: the complete copy is kept, nothing written.
    const unchanged = await harness.retry(again, "verify", 0);
    doneOf(await harness.runStep(unchanged, "mount"));
    expect(doneOf(await harness.runStep(unchanged, "write"))).toBe(
      `${folder} was already on tape ${TAPE} as projects_gamma (written by an earlier run); nothing was written again`,
    );
    expect(await asideNames()).toHaveLength(2);

    doneOf(await harness.runStep(unchanged, "remount"));
    await recordArchived(harness.catalog, unchanged, { folder, tape: TAPE, folderOnTape: onTape });
    const files = await harness.database.db
      .selectFrom("files")
      .innerJoin("folders", "folders.id", "files.folderId")
      .select(["files.relativePath", "files.sizeBytes"])
      .where("folders.path", "=", folder)
      .execute();
    expect(files.find((file) => file.relativePath === "empty.txt")?.sizeBytes).toBe(16);
    expect(files.some((file) => file.relativePath === "many/added.txt")).toBe(true);
    doneOf(await harness.runStep(unchanged, "unmount"));
    await harness.finish(unchanged);
  });

  it("the unmount step never moves aside a copy the catalog records as archived, even for a job marked aborted and not committed", async () => {
    const folder = await makeProject(harness.sources, "delta");
    await harness.preparedFolder("delta");
    const job = await harness.startJob(
      "archive",
      { folder, tape: TAPE, targetName: "projects_delta" },
      0,
    );
    doneOf(await harness.runStep(job, "mount"));
    doneOf(await harness.runStep(job, "write"));
    doneOf(await harness.runStep(job, "remount"));
    const onTape = path.join(mountPoint, "projects_delta");
    await recordArchived(harness.catalog, job, { folder, tape: TAPE, folderOnTape: onTape });
    // A job row that lost its commit and got an abort (as a requeue used to leave it).
    await harness.database.db
      .updateTable("jobs")
      .set({ committedAt: null, abortRequested: true })
      .where("id", "=", job.id)
      .execute();
    const asideBefore = await asideNames();

    const summary = doneOf(await harness.runStep(job, "unmount"));
    expect(summary).toBe(`unmounted tape ${TAPE} from drive 0 (index written)`);
    // What the tape holds now, as LTFS shows it read-only.
    await harness.drive(0).mount({ readOnly: true });
    expect(await asideNames()).toEqual(asideBefore);
    expect(await treeOf(onTape)).toEqual(await treeOf(folder, { skip: [".cache"] }));
    expect((await readManifest(`${onTape}.manifest.json`)).folder.originalPath).toBe(folder);
    expect(
      harness.logs.some(
        (line) =>
          line.msg === "the aborted archive's copy is the folder's archived copy: left in place" &&
          line.jobId === job.id,
      ),
    ).toBe(true);
    await harness.drive(0).unmount();
  });
});
