import { access, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_REGISTRY } from "../../services/runner/registry.ts";
import { manifestPathFor } from "../../shared/manifest/index.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { waitForJob } from "../harness/stack.ts";
import { compareTrees, digestTree } from "../harness/tree-digest.ts";
import {
  type E2eStack,
  type ServiceProcess,
  startE2eStack,
  startServiceProcess,
  withTapeImage,
} from "./support.ts";

/*
 * A failed archive leaves its complete copy (with its manifest) on the tape and its folder
 * prepared. The user then changes the original and runs the archive again (`requeue`): the
 * copy on tape must be written again, so the archive holds the original as it is now, not the
 * one read before the change. The verification service runs in a process of its own, started
 * late, so the job can be failed while it waits for its read-back.
 */

const COPY_FIELDS = ["type", "size", "content", "mtimeUs"] as const;

describe("a failed archive's copy is the archive only while it matches the original", () => {
  let e2e: E2eStack;
  let verification: ServiceProcess | null = null;
  let tape = "";

  beforeAll(async () => {
    const allButVerification = SERVICE_REGISTRY.map((service) => service.name).filter(
      (name) => name !== "verification",
    );
    e2e = await startE2eStack({ only: allButVerification });
    const listed = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
      "tapes",
    ]);
    tape = listed.tapes.find((entry) => !entry.cleaning)?.barcode ?? "";
  }, 120_000);

  afterAll(async () => {
    await verification?.stop();
    await e2e?.close();
  });

  async function jobRow(jobId: string) {
    const { rows } = await e2e.db.query<{
      state: string;
      waiting_on: string | null;
      error: string | null;
    }>("select state, waiting_on, error from jobs where id = $1", [jobId]);
    return rows[0];
  }

  async function folderRow(folder: string) {
    const { rows } = await e2e.db.query<{ state: string; tape_barcode: string | null }>(
      "select state, tape_barcode from folders where path = $1",
      [folder],
    );
    return rows[0];
  }

  it("an original changed after a failed archive is written again by the requeued job, and the archive matches the changed original", async () => {
    const folder = path.join(e2e.home, "srv", "projects", "2024", "Changed");
    await makeSampleTree(folder, {
      largeFiles: 1,
      largeFileBytes: 2 * 1024 * 1024,
      smallFiles: 40,
    });
    expect(await e2e.run(["prepare", folder, "changed after a failed archive"])).toMatchObject({
      state: "done",
    });
    const name = "projects_2024_Changed";

    const { jobId } = await e2e.cli.json<{ jobId: string }>(["archive", folder, tape]);
    // Written and remounted; the read-back waits for the verification service, not running.
    await expect
      .poll(async () => (await jobRow(jobId))?.waiting_on, { timeout: 180_000, interval: 100 })
      .toBe("verify");
    // The fault: the job's folder is no longer recorded as being archived, so the read-back
    // refuses to run and the job fails after its copy was complete.
    await e2e.db.query("update folders set state = 'prepared' where path = $1", [folder]);
    verification = await startServiceProcess(e2e, ["verification"], "verification");
    expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 180_000 })).toMatchObject({
      state: "failed",
    });
    expect((await jobRow(jobId))?.error).toMatch(/^FOLDER_NOT_ARCHIVING: /);
    expect(await folderRow(folder)).toMatchObject({ state: "prepared" });
    const stale = await withTapeImage(e2e.simulator, tape, "ro", async (mounted) => {
      await access(manifestPathFor(path.join(mounted, name)));
      return digestTree(path.join(mounted, name));
    });

    // The user changes the original: new content in a file, a file added.
    await writeFile(path.join(folder, "notes", "empty file.txt"), "no longer empty\n");
    await writeFile(path.join(folder, "notes", "added later.txt"), "written after the failure\n");
    const changed = await digestTree(folder, { exclude: [".cache"] });
    expect(compareTrees(changed, stale, COPY_FIELDS)).not.toEqual([]);

    const requeued = await e2e.cli.json<{ requeued: string[] }>(["requeue", jobId]);
    expect(requeued.requeued).toEqual([jobId]);
    expect(await waitForJob(e2e.cli, jobId, { timeoutMs: 180_000 })).toEqual({ state: "done" });
    expect(await folderRow(folder)).toMatchObject({ state: "archived", tape_barcode: tape });

    const [onTape, aside] = await withTapeImage(e2e.simulator, tape, "ro", async (mounted) => [
      await digestTree(path.join(mounted, name)),
      await readdir(path.join(mounted, ".pytarchive-incomplete")).catch(() => []),
    ]);
    // The archive is the original as it is now; the older copy went aside with its manifest.
    expect(compareTrees(changed, onTape, COPY_FIELDS)).toEqual([]);
    expect(aside.filter((entry) => entry.startsWith(`${name}.${jobId}.`)).sort()).toEqual([
      expect.stringMatching(new RegExp(`^${name}\\.${jobId}\\.2\\.\\d{13}$`)),
      expect.stringMatching(new RegExp(`^${name}\\.${jobId}\\.2\\.\\d{13}\\.manifest\\.json$`)),
    ]);
    const { rows } = await e2e.db.query<{ size_bytes: string }>(
      `select files.size_bytes::text from files join folders on folders.id = files.folder_id
        where folders.path = $1 and files.relative_path = 'notes/empty file.txt'`,
      [folder],
    );
    expect(rows.map((row) => Number(row.size_bytes))).toEqual([16]);
  }, 400_000);
});
