import { mkdir, open, readFile, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectExit, runCommand } from "../../shared/exec/index.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { waitForJob } from "../harness/stack.ts";
import { compareTrees, digestTree } from "../harness/tree-digest.ts";
import { type E2eStack, startE2eStack, withTapeImage } from "./support.ts";

/*
 * Issue 14: the catalog rebuilt from the tapes alone. Three folders are archived onto two tapes;
 * the catalog database is then deleted (every table, the migrations' own included) and
 * pytarchive started again on it; `import-tape --all` reads every tape of the library. Summary,
 * deleteable, verify and restore then answer as before, with the same checksums; importing again
 * changes nothing; a manifest changed on the tape is refused by its digest.
 * Then the original's way of working: a folder copied with `cp -a` onto a tape the simulated
 * library's own tools loaded, formatted and mounted (pytarchive stopped), and a database.json
 * naming it: import-legacy, verify --adopt (a difference from the original is reported per file,
 * then the folder adopted), restore.
 */

interface SummaryReply {
  tapes: {
    barcode: string;
    usedKiB: number;
    folders: {
      path: string;
      name: string;
      sizeKiB: number;
      description: string;
      archivedAt: string | null;
      simulated: boolean;
      verified?: boolean;
    }[];
  }[];
  prepared: unknown[];
}

interface DeleteableReply {
  deleteable: { path: string }[];
  simulatedOnly: {
    path: string;
    tape: string;
    sizeKiB: number;
    description: string;
    archivedAt: string | null;
  }[];
}

let e2e: E2eStack;
let projects: string;
let tapes: [string, string];
const folders: Record<"alpha" | "beta" | "gamma", string> = { alpha: "", beta: "", gamma: "" };

beforeAll(async () => {
  e2e = await startE2eStack();
  projects = path.join(e2e.home, "srv", "projects");
  const { tapes: listed } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>(
    ["tapes"],
  );
  tapes = listed
    .filter((tape) => !tape.cleaning)
    .map((tape) => tape.barcode)
    .slice(0, 2) as [string, string];
  await mkdir(path.join(e2e.home, "restored"));
}, 120_000);

afterAll(async () => {
  await e2e?.close();
}, 60_000);

/** What the catalog records of each archived file: folder, path, size and checksum. */
async function recordedFiles(): Promise<string[]> {
  const { rows } = await e2e.db.query<{ line: string }>(
    `select f.path || ' ' || x.relative_path || ' ' || x.size_bytes || ' ' || x.checksum
       || ' ' || x.tape_barcode as line
     from files x join folders f on f.id = x.folder_id order by 1`,
  );
  return rows.map((row) => row.line);
}

/** Summary without the archive times (compared apart: see below) and, if asked, verified marks. */
function withoutTimes(summary: SummaryReply, options: { verified?: boolean } = {}) {
  return summary.tapes
    .filter((tape) => tape.folders.length > 0)
    .map((tape) => ({
      ...tape,
      folders: tape.folders.map(({ archivedAt: _archivedAt, verified, ...folder }) =>
        options.verified === false ? folder : { ...folder, verified },
      ),
    }));
}

async function runAll(jobIds: readonly string[]) {
  return Promise.all(jobIds.map((jobId) => waitForJob(e2e.cli, jobId, { timeoutMs: 300_000 })));
}

/** `import-tape TAPE` through the CLI, and how its one job ended. */
async function importTape(tape: string) {
  const { jobs } = await e2e.cli.json<{ jobs: { tape: string; jobId: string }[] }>([
    "import-tape",
    tape,
  ]);
  expect(jobs.map((job) => job.tape)).toEqual([tape]);
  const [end] = await runAll(jobs.map((job) => job.jobId));
  if (end === undefined) throw new Error(`import-tape ${tape} queued no job`);
  return end;
}

/** The folders import-tape jobs recorded: the catalog's `folder.imported` events. */
async function importedEvents(): Promise<{ path: string; tape: string; checksumsFrom: string }[]> {
  const { rows } = await e2e.db.query<{
    payload: { path: string; tape: string; checksumsFrom: string };
  }>("select payload from events where kind = 'folder.imported' order by id");
  return rows.map(({ payload }) => ({
    path: payload.path,
    tape: payload.tape,
    checksumsFrom: payload.checksumsFrom,
  }));
}

describe("rebuilding the catalog from the tapes (import-tape --all)", () => {
  let before: { summary: SummaryReply; deleteable: DeleteableReply; files: string[] };

  it("archives three folders onto two tapes, then loses the catalog and rebuilds it from the tapes", async () => {
    for (const [key, tape] of [
      ["alpha", tapes[0]],
      ["beta", tapes[0]],
      ["gamma", tapes[1]],
    ] as const) {
      folders[key] = path.join(projects, "2024", `Project ${key}`);
      await makeSampleTree(folders[key], { largeFiles: 1, largeFileBytes: 200_000, smallFiles: 6 });
      expect(await e2e.run(["prepare", folders[key], `Project ${key}, ended 2024`])).toMatchObject({
        state: "done",
      });
      expect(await e2e.run(["archive", folders[key], tape])).toMatchObject({ state: "done" });
    }
    before = {
      summary: await e2e.cli.json<SummaryReply>(["summary"]),
      deleteable: await e2e.cli.json<DeleteableReply>(["deleteable"]),
      files: await recordedFiles(),
    };
    expect(before.deleteable.simulatedOnly.map((folder) => folder.path).sort()).toEqual(
      Object.values(folders).sort(),
    );

    // The catalog is lost: every table, the migrations' own included.
    await e2e.stack.stop();
    await e2e.db.query("DROP SCHEMA public CASCADE");
    await e2e.db.query("CREATE SCHEMA public");
    await e2e.restart();
    expect((await e2e.cli.json<SummaryReply>(["summary"])).tapes.flatMap((t) => t.folders)).toEqual(
      [],
    );

    const queued = await e2e.cli.json<{ jobs: { tape: string; jobId: string }[] }>([
      "import-tape",
      "--all",
    ]);
    // Every data tape of the library, blank ones included (they end done with nothing found).
    expect(queued.jobs.map((job) => job.tape)).toEqual(expect.arrayContaining(tapes));
    expect(queued.jobs.length).toBeGreaterThan(2);
    const ends = await runAll(queued.jobs.map((job) => job.jobId));
    expect(
      ends.every((end) => end.state === "done"),
      JSON.stringify(ends),
    ).toBe(true);

    // Each folder from its manifest: the original's checksums, nothing re-hashed.
    expect(await importedEvents()).toEqual(
      expect.arrayContaining([
        { path: folders.alpha, tape: tapes[0], checksumsFrom: "original" },
        { path: folders.beta, tape: tapes[0], checksumsFrom: "original" },
        { path: folders.gamma, tape: tapes[1], checksumsFrom: "original" },
      ]),
    );
    expect(await importedEvents()).toHaveLength(3);
  }, 900_000);

  it("gives the same summary, the same checksums, and keeps the folders out of deleteable until verified", async () => {
    const after = await e2e.cli.json<SummaryReply>(["summary"]);
    expect(withoutTimes(after, { verified: false })).toEqual(
      withoutTimes(before.summary, { verified: false }),
    );
    // Shown as archived, not verified, until a verify has read them back.
    expect(after.tapes.flatMap((tape) => tape.folders.map((folder) => folder.verified))).toEqual([
      false,
      false,
      false,
    ]);
    // The manifest holds when the copy finished; the catalog had when its read-back passed.
    const times = (summary: SummaryReply) =>
      summary.tapes.flatMap((tape) =>
        tape.folders.map((folder) => Date.parse(folder.archivedAt ?? "")),
      );
    const [was, is] = [times(before.summary), times(after)];
    is.forEach((time, index) => {
      expect((was[index] ?? 0) - time).toBeGreaterThanOrEqual(0);
      expect((was[index] ?? 0) - time).toBeLessThan(120_000);
    });
    expect(await recordedFiles()).toEqual(before.files);
    // Archived, not verified: the tape cannot say whether the archive's read-back passed.
    const deleteable = await e2e.cli.json<DeleteableReply>(["deleteable"]);
    expect([...deleteable.deleteable, ...deleteable.simulatedOnly]).toEqual([]);
  });

  it("changes nothing when a tape is imported again", async () => {
    const files = await recordedFiles();
    const { rows: foldersBefore } = await e2e.db.query("select * from folders order by id");
    const again = await importTape(tapes[0]);
    expect(again, JSON.stringify(again)).toEqual({ state: "done" });
    expect(await importedEvents()).toHaveLength(3);
    expect(await recordedFiles()).toEqual(files);
    const { rows: foldersAfter } = await e2e.db.query("select * from folders order by id");
    expect(foldersAfter).toEqual(foldersBefore);
  }, 300_000);

  it("verify reads both tapes back against the imported checksums: deleteable answers as before", async () => {
    for (const tape of tapes) {
      const end = await e2e.run(["verify", tape]);
      expect(end, JSON.stringify(end)).toMatchObject({ state: "done" });
    }
    // The same folders with the same sizes; the archive time is the manifest's (see above).
    const withoutTime = (reply: DeleteableReply) =>
      reply.simulatedOnly.map(({ archivedAt: _archivedAt, ...folder }) => folder);
    const deleteable = await e2e.cli.json<DeleteableReply>(["deleteable"]);
    expect(deleteable.deleteable).toEqual(before.deleteable.deleteable);
    expect(withoutTime(deleteable)).toEqual(withoutTime(before.deleteable));
    expect(withoutTimes(await e2e.cli.json<SummaryReply>(["summary"]))).toEqual(
      withoutTimes(before.summary),
    );
  }, 600_000);

  it("restores an imported folder identical to its original", async () => {
    const target = path.join(e2e.home, "restored", "alpha");
    expect(await e2e.run(["restore", folders.alpha, target])).toMatchObject({ state: "done" });
    expect(
      compareTrees(
        await digestTree(folders.alpha, { exclude: [".cache"] }),
        await digestTree(target),
        ["type", "size", "content", "mtimeUs", "mode"],
      ),
    ).toEqual([]);
  }, 300_000);

  it("refuses a manifest changed on the tape: its digest no longer matches (TAPE_IMPORT_PROBLEMS)", async () => {
    const name = before.summary.tapes
      .flatMap((tape) => tape.folders)
      .find((folder) => folder.path === folders.gamma)?.name;
    await withTapeImage(e2e.simulator, tapes[1], "rw", async (mounted) => {
      // One hex digit of a checksum, as damage or a hand edit would: still a valid manifest.
      const manifest = path.join(mounted, `${name}.manifest.json`);
      const text = await readFile(manifest, "utf8");
      const at = Buffer.byteLength(text.slice(0, text.indexOf('"sha256":"') + 10));
      const digit = text.charAt(text.indexOf('"sha256":"') + 10);
      const handle = await open(manifest, "r+");
      await handle.write(digit === "0" ? "1" : "0", at);
      await handle.close();
    });
    const files = await recordedFiles();
    const end = await importTape(tapes[1]);
    expect(end, JSON.stringify(end)).toMatchObject({ state: "failed" });
    expect(end.state === "failed" ? end.error : "").toContain("TAPE_IMPORT_PROBLEMS");
    expect(end.state === "failed" ? end.error : "").toContain("does not match its digest");
    expect(await recordedFiles()).toEqual(files);
  }, 300_000);
});

/** Runs one of the simulated library's tools (`<sim>/bin/NAME`), as the original ran the real ones. */
async function simulatedTool(name: string, args: readonly string[]): Promise<void> {
  await expectExit(
    await runCommand(path.join(e2e.simulator, "bin", name), args, { timeoutMs: 120_000 }),
  );
}

describe("the original's way of working: a plain copy on an LTFS tape plus its database.json", () => {
  let survey: string;
  let tape: string;

  it("copies a folder onto a tape with cp -a, as the original did, and imports its database.json", async () => {
    survey = path.join(projects, "2019", "survey");
    await makeSampleTree(survey, { largeFiles: 1, largeFileBytes: 150_000, smallFiles: 5 });
    const { tapes: listed } = await e2e.cli.json<{
      tapes: { barcode: string; cleaning: boolean; slot: number | null }[];
    }>(["tapes"]);
    const blank = listed.filter((entry) => !entry.cleaning && !tapes.includes(entry.barcode))[0];
    if (blank?.slot === undefined || blank.slot === null)
      throw new Error("no third tape in a slot");
    tape = blank.barcode;
    const name = "projects_2019_survey";

    // pytarchive is stopped; the original loads, formats, mounts, copies, unmounts, unloads.
    await e2e.stack.stop();
    const changer = path.join(e2e.simulator, "changer");
    const device = path.join(e2e.simulator, "drives", "0");
    const mounted = path.join(e2e.home, "original-mount");
    await mkdir(mounted);
    await simulatedTool("mtx", ["-f", changer, "load", String(blank.slot), "0"]);
    await simulatedTool("mkltfs", ["-d", device, "-s", tape.slice(0, 6)]);
    await simulatedTool("ltfs", ["-o", `devname=${device}`, mounted]);
    await expectExit(await runCommand("cp", ["-a", survey, path.join(mounted, name)]));
    await expectExit(await runCommand("umount", [mounted]));
    // The ltfs daemon writes its index after the unmount, then leaves its record.
    const record = path.join(e2e.simulator, "run", "drive0.json");
    for (
      let waited = 0;
      await stat(record).then(
        () => true,
        () => false,
      );
      waited += 200
    ) {
      if (waited > 60_000) throw new Error("the simulated ltfs did not finish its index");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await simulatedTool("mtx", ["-f", changer, "unload", String(blank.slot), "0"]);
    await e2e.restart();

    // Its database.json names the folder, as the original's db.py wrote it (no checksums).
    const database = path.join(e2e.home, "database.json");
    await writeFile(
      database,
      JSON.stringify(
        [
          {
            original_directory: survey,
            state: "archived",
            description: "Survey 2019, archived by the original",
            size: 512,
            compressed: false,
            size_queried: "Nov 02 2023 09:15:41",
            path_on_tape: name,
            tape,
            archived: "Nov 03 2023 02:47:10",
          },
        ],
        null,
        4,
      ),
    );
    await e2e.cli.json(["import-legacy", database]);
    const deleteable = await e2e.cli.json<DeleteableReply>(["deleteable"]);
    expect(JSON.stringify(deleteable)).not.toContain(survey);
    // No checksums yet: a restore has nothing to check the files by.
    const refused = await e2e.cli.run(["restore", survey, path.join(e2e.home, "restored", "x")]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain("has no checksums of its files yet");
    expect(refused.stderr).toContain(`pytarchive verify --adopt ${survey}`);
  }, 600_000);

  it("verify --adopt reports a file that differs from the original, and adopts the folder once they match", async () => {
    const changed = path.join(survey, "notes", "Übersicht – Größen.txt");
    const before = await stat(changed);
    const content = await readFile(changed);
    await writeFile(changed, "changed after the copy\n");
    const differs = await e2e.run(["verify", "--adopt", survey]);
    expect(differs, JSON.stringify(differs)).toMatchObject({ state: "failed" });
    const error = differs.state === "failed" ? differs.error : "";
    expect(error).toContain("VERIFY_MISMATCH");
    expect(error).toContain("notes/Übersicht – Größen.txt");
    expect(JSON.stringify(await e2e.cli.json(["deleteable"]))).not.toContain(survey);

    await writeFile(changed, content);
    await utimes(changed, before.atime, before.mtime);
    const adopted = await e2e.run(["verify", "--adopt", survey]);
    expect(adopted, JSON.stringify(adopted)).toEqual(expect.objectContaining({ state: "done" }));
    const deleteable = await e2e.cli.json<DeleteableReply>(["deleteable"]);
    expect(deleteable.simulatedOnly.map((folder) => folder.path)).toContain(survey);
  }, 300_000);

  it("restores the adopted folder identical to the original", async () => {
    const target = path.join(e2e.home, "restored", "survey");
    const end = await e2e.run(["restore", survey, target]);
    expect(end, JSON.stringify(end)).toMatchObject({ state: "done" });
    expect(
      compareTrees(await digestTree(survey), await digestTree(target), [
        "type",
        "size",
        "content",
        "mtimeUs",
        "mode",
      ]),
    ).toEqual([]);
  }, 300_000);
});
