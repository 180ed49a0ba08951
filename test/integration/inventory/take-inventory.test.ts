import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DAY_MS,
  duProbe,
  type FolderProbe,
  formatInventoryReport,
  type InventoryProgress,
  type InventoryReport,
  type MeasuredSubfolder,
  type SourceInventory,
  takeInventory,
} from "../../../services/inventory/engine/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import {
  bundledForNobody,
  folderNobodyCanEnter,
  runUnprivileged,
} from "../../helpers/as-nobody.ts";

let workFolder: string;

beforeAll(async () => {
  // The unreadable-folder test reads it as nobody.
  workFolder = await folderNobodyCanEnter("pyt-inventory-");
});
afterAll(async () => {
  await fs.rm(workFolder, { recursive: true, force: true });
});

/** What `du -sk` prints for the folder, in KiB (its exit status is checked by the caller). */
async function duKiB(folder: string, run = runCommand): Promise<number> {
  const match = /^(\d+)\t/.exec((await run("du", ["-sk", "--", folder])).stdout);
  if (!match?.[1]) throw new Error(`du printed no size for ${folder}`);
  return Number(match[1]);
}

async function writeRandom(file: string, bytes: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, randomBytes(bytes));
}

/**
 * Sets a folder's mtime that many calendar months and days before `now`, to the whole second
 * (stat %Y reports whole seconds).
 */
async function changedAgo(
  folder: string,
  now: Date,
  ago: { months: number; days?: number },
): Promise<Date> {
  const when = new Date(Math.floor(now.getTime() / 1000) * 1000);
  when.setUTCMonth(when.getUTCMonth() - ago.months, when.getUTCDate() - (ago.days ?? 0));
  await fs.utimes(folder, when, when);
  return when;
}

function names(source: SourceInventory | undefined): Record<string, string[]> {
  return Object.fromEntries(
    (source?.groups ?? []).map((group) => [group.id, group.subfolders.map((entry) => entry.name)]),
  );
}

function measured(report: InventoryReport): MeasuredSubfolder[] {
  return report.sources.flatMap((source) => source.groups.flatMap((group) => group.subfolders));
}

async function makeSource(name: string, subfolders: readonly string[]): Promise<string> {
  const source = path.join(workFolder, name);
  for (const subfolder of subfolders) {
    await fs.mkdir(path.join(source, subfolder), { recursive: true });
    await fs.writeFile(path.join(source, subfolder, "data.txt"), `${subfolder}\n`);
  }
  return source;
}

describe("takeInventory on a real tree", () => {
  // The 15th at noon: whole calendar months back from it never overflow into another month.
  const today = new Date();
  const now = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 15, 12));
  let home: string;
  let projects: string;
  const mtimes = new Map<string, Date>();

  beforeAll(async () => {
    home = path.join(workFolder, "home");
    projects = path.join(workFolder, "projects");
    // Content first: creating entries changes a folder's mtime, so the times are set last.
    await writeRandom(path.join(home, "ancient", "big.bin"), 3 * 1024 * 1024);
    await fs.link(path.join(home, "ancient", "big.bin"), path.join(home, "ancient", "same.bin"));
    await writeRandom(path.join(home, "ancient", "nested", "deeper", "small.bin"), 100 * 1024);
    await writeRandom(path.join(home, "old", "data.bin"), 1024 * 1024);
    await writeRandom(path.join(home, "middle", "data.bin"), 200 * 1024);
    await writeRandom(path.join(home, "middle big", "data.bin"), 5 * 1024 * 1024);
    await writeRandom(path.join(home, "fresh", "notes.txt"), 10 * 1024);
    await fs.mkdir(path.join(home, "fresh empty"));
    await fs.writeFile(path.join(home, "a file, not a folder.txt"), "x");
    await fs.symlink(path.join(home, "ancient"), path.join(home, "link to ancient"));
    await writeRandom(path.join(projects, "alpha", "results.bin"), 2 * 1024 * 1024);

    const ages: [string, { months: number; days?: number }][] = [
      [path.join(home, "ancient"), { months: 36 }],
      [path.join(home, "old"), { months: 18 }],
      [path.join(home, "middle"), { months: 8 }],
      [path.join(home, "middle big"), { months: 8, days: 1 }],
      [path.join(home, "fresh"), { months: 1 }],
      [path.join(home, "fresh empty"), { months: 1, days: 2 }],
      [path.join(projects, "alpha"), { months: 36, days: 10 }],
    ];
    for (const [folder, ago] of ages) mtimes.set(folder, await changedAgo(folder, now, ago));
  });

  it("puts each subfolder in its age group, largest first, with du -sk's size and its own mtime", async () => {
    const progress: InventoryProgress[] = [];
    const report = await takeInventory({
      folders: [home, projects],
      now,
      timeoutMs: 10_000,
      onProgress: (step) => progress.push(step),
    });

    expect(names(report.sources[0])).toEqual({
      "older-than-2-years": ["ancient"],
      "older-than-1-year": ["old"],
      "older-than-6-months": ["middle big", "middle"],
      recent: ["fresh", "fresh empty"],
    });
    expect(names(report.sources[1])["older-than-2-years"]).toEqual(["alpha"]);
    expect(report.sources.map((source) => source.folder)).toEqual([home, projects]);
    expect(report.sources.every((source) => source.listError === null)).toBe(true);
    expect(report.takenAt).toBe(now.toISOString());

    for (const entry of measured(report)) {
      expect(entry.sizeKiB, entry.path).toBe(await duKiB(entry.path));
      expect(entry.lastChange, entry.path).toBe(mtimes.get(entry.path)?.toISOString());
    }
    const ancient = measured(report).find((entry) => entry.name === "ancient");
    // The hard-linked 3 MiB file counts once, as du counts it.
    expect(ancient?.sizeKiB).toBeGreaterThanOrEqual(3 * 1024 + 100);
    expect(ancient?.sizeKiB).toBeLessThan(2 * 3 * 1024);
    const ancientChanged = mtimes.get(path.join(home, "ancient"))?.getTime() ?? Number.NaN;
    expect(ancient?.ageDays).toBe(Math.floor((now.getTime() - ancientChanged) / DAY_MS));
    expect(ancient?.ageDays).toBeGreaterThanOrEqual(3 * 365);

    const [old, oneYear, sixMonths, recent] = report.totals.groups;
    expect(old).toMatchObject({ count: 2, label: "older than 2 years" });
    expect(old?.totalKiB).toBe(
      (await duKiB(path.join(home, "ancient"))) + (await duKiB(path.join(projects, "alpha"))),
    );
    expect(oneYear?.totalKiB).toBe(await duKiB(path.join(home, "old")));
    expect(sixMonths?.count).toBe(2);
    expect(recent?.count).toBe(2);
    expect(report.totals).toMatchObject({ measuredCount: 7, unreadableCount: 0, unlistedCount: 0 });
    expect(report.totals.totalKiB).toBe(
      measured(report).reduce((total, entry) => total + entry.sizeKiB, 0),
    );

    expect(progress.map((step) => step.done)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(progress.every((step) => step.total === 7)).toBe(true);
    expect(new Set(progress.map((step) => step.current))).toEqual(new Set(mtimes.keys()));
  });

  it("lists neither files nor symbolic links to folders", async () => {
    const report = await takeInventory({ folders: [home], now, timeoutMs: 10_000 });
    const listed = measured(report).map((entry) => entry.name);
    expect(listed).not.toContain("link to ancient");
    expect(listed).not.toContain("a file, not a folder.txt");
    expect(listed).toHaveLength(6);
  });

  it("formats the real report with groups, sizes in binary units and ages", async () => {
    const report = await takeInventory({ folders: [home, projects], now, timeoutMs: 10_000 });
    const { subject, text } = formatInventoryReport(report);

    expect(subject).toMatch(/^pytarchive inventory: 7 folders, 11\.\d MiB older than 6 months$/);
    expect(text).toContain("Older than 2 years: 1 folder, 3.1 MiB");
    expect(text).toMatch(/^ {2}3\.1 MiB {2}3 years {2}\S+\/home\/ancient$/m);
    expect(text).toMatch(/^ {2}1\.0 MiB {2}1 year 6 months {2}\S+\/home\/old$/m);
    expect(text).toContain("Older than 6 months: 2 folders, 5.2 MiB");
    expect(text).toMatch(/^ {2}5\.0 MiB {2}8 months {2}\S+\/home\/middle big$/m);
    expect(text).toMatch(/^ {2}204 KiB {2}8 months {2}\S+\/home\/middle$/m);
    expect(text).toMatch(/^ {2}16\.0 KiB {2}1 month {2}\S+\/home\/fresh$/m);
    expect(text).toMatch(/^ {3}4\.0 KiB {2}1 month {2}\S+\/home\/fresh empty$/m);
  });

  it("reports a source folder that does not exist or is a file, and measures the others", async () => {
    const missing = path.join(workFolder, "not there");
    const file = path.join(home, "a file, not a folder.txt");
    const report = await takeInventory({
      folders: [missing, projects, file],
      now,
      timeoutMs: 10_000,
    });

    expect(report.sources.map((source) => source.listError)).toEqual([
      "does not exist (ENOENT)",
      null,
      "is not a folder (ENOTDIR)",
    ]);
    expect(names(report.sources[1])["older-than-2-years"]).toEqual(["alpha"]);
    expect(report.totals).toMatchObject({ measuredCount: 1, unlistedCount: 2 });
  });

  it("refuses a relative source folder before reading anything", async () => {
    const error = await takeInventory({ folders: ["home"], timeoutMs: 10_000 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PytarchiveError);
    expect((error as PytarchiveError).code).toBe("PATH_NOT_ABSOLUTE");
  });
});

describe("takeInventory with subfolders it cannot read", () => {
  it("lists a subfolder du cannot read completely, with du's message and the partial size (run as nobody)", async () => {
    const source = await makeSource("shares", ["open", "partly closed/private", "locked"]);
    await writeRandom(path.join(source, "partly closed", "public.bin"), 64 * 1024);
    await fs.chmod(path.join(source, "partly closed", "private"), 0o000);
    await fs.chmod(path.join(source, "locked"), 0o000);

    // The inventory and du as nobody when the tests run as root (root reads everything), else
    // as this user.
    const run = (command: string, args: readonly string[]) =>
      runUnprivileged(workFolder, command, args);
    const script = await bundledForNobody(
      new URL("./print-inventory.ts", import.meta.url),
      workFolder,
    );
    const report = JSON.parse(
      expectExit(await run(process.execPath, [script, source])).stdout,
    ) as InventoryReport;

    expect(measured(report).map((entry) => entry.name)).toEqual(["open"]);
    const [locked, partly] = report.sources[0]?.unreadable ?? [];
    expect(locked?.path).toBe(path.join(source, "locked"));
    expect(locked?.reason).toBe(
      `du: cannot read directory '${path.join(source, "locked")}': Permission denied`,
    );
    expect(partly?.path).toBe(path.join(source, "partly closed"));
    expect(partly?.reason).toBe(
      `du: cannot read directory '${path.join(source, "partly closed", "private")}': Permission denied`,
    );
    expect(partly?.partialSizeKiB).toBe(await duKiB(path.join(source, "partly closed"), run));
    expect(partly?.partialSizeKiB).toBeGreaterThanOrEqual(64);
    expect(partly?.lastChange).not.toBeNull();
    expect(report.totals).toMatchObject({ measuredCount: 1, unreadableCount: 2 });
    expect(formatInventoryReport(report).text).toContain(
      "could be counted; last changed less than a day ago)",
    );

    await fs.chmod(path.join(source, "partly closed", "private"), 0o755);
    await fs.chmod(path.join(source, "locked"), 0o755);
  });

  it("lists a subfolder deleted while the inventory runs with stat's message, and measures the rest", async () => {
    const source = await makeSource("vanishing", ["a first", "b deleted meanwhile", "c last"]);
    const report = await takeInventory({
      folders: [source],
      timeoutMs: 10_000,
      concurrency: 1,
      onProgress: ({ current }) => {
        if (current.endsWith("a first"))
          rmSync(path.join(source, "b deleted meanwhile"), { recursive: true });
      },
    });

    expect(
      measured(report)
        .map((entry) => entry.name)
        .sort(),
    ).toEqual(["a first", "c last"]);
    expect(report.sources[0]?.unreadable).toEqual([
      {
        path: path.join(source, "b deleted meanwhile"),
        name: "b deleted meanwhile",
        // coreutils 9 says "statx", older versions "stat".
        reason: expect.stringMatching(
          /^stat: cannot statx? '.*\/b deleted meanwhile': No such file or directory$/,
        ),
        partialSizeKiB: null,
        lastChange: null,
      },
    ]);
  });
});

describe("takeInventory with a hung mount (a probe that never answers)", () => {
  let source: string;
  beforeAll(async () => {
    source = await makeSource("hung", ["before", "hung", "after"]);
  });

  /** The real probe, except that `method` never answers for subfolder "hung". */
  function hangingProbe(method: "lastChange" | "diskUsage", signals: AbortSignal[]): FolderProbe {
    const never = (subfolder: string, signal: AbortSignal) => {
      signals.push(signal);
      return subfolder.endsWith("/hung") ? new Promise<never>(() => {}) : null;
    };
    return {
      listSubfolders: duProbe.listSubfolders,
      lastChange: (subfolder, signal) =>
        method === "lastChange"
          ? (never(subfolder, signal) ?? duProbe.lastChange(subfolder, signal))
          : duProbe.lastChange(subfolder, signal),
      diskUsage: (subfolder, signal) =>
        method === "diskUsage"
          ? (never(subfolder, signal) ?? duProbe.diskUsage(subfolder, signal))
          : duProbe.diskUsage(subfolder, signal),
    };
  }

  it("stops waiting after timeoutMs, lists it as not answering, and measures the rest", async () => {
    const signals: AbortSignal[] = [];
    const started = performance.now();
    const report = await takeInventory({
      folders: [source],
      timeoutMs: 400,
      concurrency: 1,
      probe: hangingProbe("lastChange", signals),
    });
    const elapsed = performance.now() - started;

    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(400 + 2000);
    expect(report.sources[0]?.unreadable).toEqual([
      {
        path: path.join(source, "hung"),
        name: "hung",
        reason: "did not answer within 400 ms",
        partialSizeKiB: null,
        lastChange: null,
      },
    ]);
    expect(
      measured(report)
        .map((entry) => entry.name)
        .sort(),
    ).toEqual(["after", "before"]);
    // The probe was told to stop (the real one's stat child gets SIGTERM).
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });

  it("gives du its own, longer limit, and says du did not finish", async () => {
    const report = await takeInventory({
      folders: [source],
      timeoutMs: 10_000,
      sizeTimeoutMs: 300,
      probe: hangingProbe("diskUsage", []),
    });
    const [hung] = report.sources[0]?.unreadable ?? [];
    expect(hung?.reason).toBe("du did not finish within 300 ms");
    expect(hung?.lastChange).not.toBeNull();
    expect(report.totals.measuredCount).toBe(2);
  });

  it("reports a source folder whose listing does not answer, and measures the other", async () => {
    const projects = await makeSource("listed", ["one"]);
    const report = await takeInventory({
      folders: [source, projects],
      timeoutMs: 300,
      probe: {
        ...duProbe,
        listSubfolders: (folder, signal) =>
          folder === source ? new Promise<never>(() => {}) : duProbe.listSubfolders(folder, signal),
      },
    });
    expect(report.sources.map((entry) => entry.listError)).toEqual([
      "did not answer within 300 ms",
      null,
    ]);
    expect(measured(report).map((entry) => entry.name)).toEqual(["one"]);
  });

  it("stops at once with INVENTORY_ABORTED when the caller aborts", async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const started = performance.now();
    const error = await takeInventory({
      folders: [source],
      timeoutMs: 60_000,
      signal: abort.signal,
      probe: hangingProbe("lastChange", []),
    }).catch((caught: unknown) => caught);

    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(PytarchiveError);
    expect((error as PytarchiveError).code).toBe("INVENTORY_ABORTED");
  });

  it("stops with COMMAND_NOT_FOUND when du is not installed, rather than list every folder", async () => {
    const error = await takeInventory({
      folders: [source],
      timeoutMs: 10_000,
      probe: {
        ...duProbe,
        diskUsage: async (subfolder, signal) => {
          await runCommand("du-is-not-installed", ["-sk", subfolder], { signal });
          throw new Error("unreachable");
        },
      },
    }).catch((caught: unknown) => caught);
    expect((error as PytarchiveError).code).toBe("COMMAND_NOT_FOUND");
  });
});
