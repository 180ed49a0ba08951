import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, waitForJob } from "../harness/stack.ts";
import { type E2eStack, startE2eStack } from "./support.ts";

/*
 * Issue 14: the original pytarchive's database.json and queue.json (written by its own code,
 * test/fixtures/legacy) imported into a running pytarchive through the CLI. The originals are
 * moved under the test's home (the fixtures name /data/...), and written back as the original
 * writes them (ASCII with \u escapes, indent 4).
 */

const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "legacy");

let e2e: E2eStack;
let databaseFile: string;
let queueFile: string;
let data: string;

/** The fixture with every /data/... path under `root`, written as Python's json.dump does. */
async function movedFixture(name: string, root: string, target: string): Promise<void> {
  const moved = JSON.parse(await readFile(path.join(FIXTURES, name), "utf8"), (_key, value) =>
    typeof value === "string" && value.startsWith("/data/") ? `${root}${value}` : value,
  ) as unknown;
  const ascii = JSON.stringify(moved, null, 4).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  await writeFile(target, ascii);
}

interface Outcome {
  source: string;
  outcome: string;
  jobId: string | null;
  state: string | null;
  message: string | null;
}
interface ImportReply {
  folders: Outcome[];
  jobs: Outcome[];
  tapesAdded: string[];
}

async function importBoth(): Promise<ImportReply> {
  return e2e.cli.json<ImportReply>(["import-legacy", databaseFile, "--queue", queueFile]);
}

async function catalogRows(): Promise<unknown[]> {
  const folders = await e2e.db.query(
    "select path, state, description, size_kib, tape_barcode, target_name, verified_at, measured_at, archived_at from folders order by path",
  );
  const jobs = await e2e.db.query(
    "select legacy_key, kind, priority, created_at from jobs order by seq",
  );
  const tapes = await e2e.db.query("select barcode, state, home_slot from tapes order by barcode");
  return [folders.rows, jobs.rows, tapes.rows];
}

let first: ImportReply;
let notice: string;
let foldersBeforeImport: number;

beforeAll(async () => {
  e2e = await startE2eStack();
  data = path.join(e2e.home, "data");
  // Where the original kept them, and this pytarchive keeps its state by default.
  databaseFile = path.join(e2e.state, "database.json");
  queueFile = path.join(e2e.state, "queue.json");
  await movedFixture("database.json", e2e.home, databaseFile);
  await movedFixture("queue.json", e2e.home, queueFile);
  // The originals are still there (deleteable would list verified copies of them), and the
  // folder the original was preparing, so that its imported prepare task can run.
  for (const folder of [
    "projects/beta",
    "projects/survey.v1",
    "Projekte/Größe – café",
    "home/Jürgen",
  ]) {
    await mkdir(path.join(data, folder), { recursive: true });
    await writeFile(path.join(data, folder, "readme.txt"), `${folder}\n`);
  }
  // Started again on a state folder holding them: the launcher says so, and imports nothing.
  await e2e.restart();
  notice = e2e.stack.output.filter((line) => line.includes("import-legacy")).join("\n");
  foldersBeforeImport = (await e2e.db.query("select id from folders")).rowCount ?? -1;
  first = await importBoth();
}, 180_000);

afterAll(async () => {
  await e2e?.close();
}, 60_000);

describe("pytarchive import-legacy on a running pytarchive", () => {
  it("is pointed at on start when the original's files sit in the state folder, and never runs by itself", () => {
    expect(notice).toContain(
      `the original pytarchive's database.json and queue.json are in ${e2e.state} and the catalog is empty: nothing was imported.`,
    );
    expect(notice).toContain(
      `pytarchive import-legacy ${databaseFile} --queue ${queueFile} --dry-run`,
    );
    expect(foldersBeforeImport).toBe(0);
  });

  it("imports every folder and task, and records the tapes as not in the library", async () => {
    expect(first.folders.map((entry) => entry.outcome)).toEqual(Array(7).fill("added"));
    expect(first.jobs.map((entry) => [entry.outcome, entry.state])).toEqual([
      ["added", "failed"], // the archive that failed under the original
      ["added", "queued"], // prepare
      ["added", "queued"], // archive
      ["added", "failed"], // restore of a folder not adopted yet
      ["added", "failed"],
      ["added", "queued"], // explore
      ["added", "queued"],
      ["added", "queued"], // inventory
    ]);
    expect(first.tapesAdded).toEqual(["AAK787L9", "AAK788L9", "AAK789L9"]);
    const tapes = await e2e.cli.run(["tapes"]);
    expect(tapes.stdout).toMatch(/^AAK787L9\s+not in the library\s+formatted/m);
    expect(tapes.stdout).toMatch(/^AAK789L9\s+not in the library\s+blank/m);

    const beta = await e2e.db.query(
      "select state, size_kib, tape_barcode, target_name, verified_at, archived_at, measured_at from folders where path = $1",
      [path.join(data, "projects/beta")],
    );
    expect(beta.rows[0]).toMatchObject({
      state: "archived",
      size_kib: "73400832",
      tape_barcode: "AAK787L9",
      target_name: "data_projects_beta",
      verified_at: null,
      // Local wall times of the host, as the original wrote them.
      archived_at: new Date(2023, 10, 3, 2, 47, 10),
      measured_at: new Date(2023, 10, 2, 9, 15, 41),
    });
  });

  it("keeps a failed task failed with the original's error and traceback, and says what to do", async () => {
    const queue = await e2e.cli.json<{ failed: { id: string; kind: string; error: string }[] }>([
      "queue",
    ]);
    const codeOf = (error: string | undefined) => error?.slice(0, error.indexOf(":"));
    const archive = queue.failed.find((job) => job.kind === "archive");
    expect(codeOf(archive?.error)).toBe("LEGACY_TASK_FAILED");
    expect(archive?.error).toMatch(
      /^LEGACY_TASK_FAILED: It failed under the original pytarchive: Failed to load tape AAK789L9/,
    );
    expect(archive?.error).toContain("Traceback (most recent call last):");
    expect(archive?.error).toContain("What to do: Requeue it");
    const restore = queue.failed.find((job) => job.kind === "restore");
    expect(codeOf(restore?.error)).toBe("LEGACY_NOT_ADOPTED");
    expect(restore?.error).toMatch(/^LEGACY_NOT_ADOPTED: .*has no checksums yet/);
    expect(restore?.error).toContain("pytarchive verify --adopt");
  });

  it("runs an imported queued task: the prepare the original had queued prepares the folder", async () => {
    const prepare = first.jobs[1]?.jobId as string;
    expect(await waitForJob(e2e.cli, prepare, { timeoutMs: 120_000 })).toEqual({ state: "done" });
    const folder = await e2e.db.query("select state, description from folders where path = $1", [
      path.join(data, "home/Jürgen"),
    ]);
    expect(folder.rows[0]).toEqual({ state: "prepared", description: "Jürgen's home, left 2024" });
  });

  it("shows the original's archived folders as archived, not verified, and deleteable leaves them out", async () => {
    const summary = await e2e.cli.json<{
      tapes: { barcode: string; folders: { path: string; verified?: boolean }[] }[];
    }>(["summary"]);
    const onTape = summary.tapes.find((tape) => tape.barcode === "AAK787L9");
    expect(onTape?.folders.map((folder) => [folder.path, folder.verified])).toEqual([
      [path.join(data, "projects/beta"), false],
      [path.join(data, "projects/survey.v1"), false],
    ]);
    const text = await e2e.cli.run(["summary"]);
    expect(text.stdout).toContain(
      `${path.join(data, "Projekte/Größe – café")} -> data_Projekte_Größe_–_café (51.25 MiB) Messdaten Größe, Ω-Serie 📁 [archived, not verified]`,
    );
    const deleteable = await e2e.cli.json<{
      deleteable: unknown[];
      unchecked: unknown[];
      simulatedOnly: unknown[];
    }>(["deleteable"]);
    expect(deleteable).toEqual({ deleteable: [], unchecked: [], simulatedOnly: [] });
  });

  it("changes nothing when run a second time", async () => {
    // Every imported task ends first (the scheduler runs them; those on tapes not in the
    // library fail), so that only the import could change the catalog.
    for (const entry of first.jobs) {
      await waitForJob(e2e.cli, entry.jobId as string, { timeoutMs: 120_000 });
    }
    const before = await catalogRows();
    const again = await importBoth();
    expect(again.folders.map((entry) => entry.outcome)).toEqual(Array(7).fill("unchanged"));
    expect(again.jobs.map((entry) => [entry.outcome, entry.jobId])).toEqual(
      first.jobs.map((entry) => ["unchanged", entry.jobId]),
    );
    expect(again.tapesAdded).toEqual([]);
    expect(await catalogRows()).toEqual(before);
  });
});
