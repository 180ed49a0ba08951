import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseLegacyDatabase,
  parseLegacyQueue,
  planLegacyImport,
} from "../../../shared/legacy/index.ts";
import { runCli } from "../cli/run-cli.ts";

const FIXTURES = path.join(import.meta.dirname, "../../fixtures/legacy");
const DATABASE = path.join(FIXTURES, "database.json");
const QUEUE = path.join(FIXTURES, "queue.json");

/** One folder of the dry run's JSON, the fields the original did not write null. */
function folder(fields: Record<string, unknown>) {
  return {
    original_directory: null,
    state: null,
    tape: null,
    path_on_tape: null,
    size_kib: null,
    compressed: null,
    compressed_path: null,
    description: null,
    size_queried: null,
    archived: null,
    ...fields,
  };
}

describe("pytarchive import-legacy --dry-run", () => {
  it("prints exactly one JSON object: every folder, tape and task as the original recorded it", async () => {
    // No pytarchive runs here, and the working directory is not the checkout.
    const result = await runCli(
      ["import-legacy", DATABASE, "--queue", QUEUE, "--dry-run", "--json"],
      os.tmpdir(),
    );
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toEqual({
      folders: [
        folder({
          original_directory: "/data/projects/beta",
          state: "archived",
          tape: "AAK787L9",
          path_on_tape: "data_projects_beta",
          size_kib: 73400832,
          compressed: false,
          description: "Beta study 2019-2021",
          size_queried: "2023-11-02T09:15:41",
          archived: "2023-11-03T02:47:10",
        }),
        folder({
          original_directory: "/data/projects/survey.v1",
          state: "archived",
          tape: "AAK787L9",
          path_on_tape: "data_projects_survey.v1.tar.gz",
          size_kib: 1048580,
          compressed: true,
          description: "Survey v1, packed",
          size_queried: "2023-11-20T16:03:05",
          archived: "2023-11-21T01:12:59",
        }),
        folder({
          original_directory: "/data/Projekte/Größe – café",
          state: "archived",
          tape: "AAK788L9",
          path_on_tape: "data_Projekte_Größe_–_café",
          size_kib: 52480,
          compressed: false,
          description: "Messdaten Größe, Ω-Serie 📁",
          size_queried: "2024-02-29T23:59:59",
          archived: "2024-03-01T00:30:00",
        }),
        folder({
          original_directory: "/data/projects/alpha",
          state: "prepared",
          size_kib: 2097152,
          compressed: false,
          description: "Alpha, ended 2024",
          size_queried: "2024-05-06T08:00:00",
        }),
        folder({
          original_directory: "/data/projects/survey.v2",
          state: "prepared",
          size_kib: 4096,
          compressed: true,
          compressed_path: "/data/projects/survey.tar.gz",
          description: "Survey v2 (many small files)",
          size_queried: "2024-05-07T10:20:30",
        }),
        folder({
          original_directory: "/data/projects/gamma",
          state: "prepared",
          tape: "AAK789L9",
          path_on_tape: "data_projects_gamma",
          size_kib: 1024000,
          compressed: false,
          description: "Gamma",
          size_queried: "2024-05-01T12:00:00",
        }),
        folder({
          original_directory: "/data/home/Jürgen",
          state: "preparing",
          description: "Jürgen's home, left 2024",
        }),
        folder({
          original_directory: "/data/projects/delta",
          state: "prepared",
          tape: "AAK788L9",
          path_on_tape: "data_projects_delta",
          size_kib: 204800,
          compressed: false,
          description: "Delta, queued",
          size_queried: "2024-05-03T09:00:00",
        }),
      ],
      tapes: [
        {
          barcode: "AAK787L9",
          folders: ["/data/projects/beta", "/data/projects/survey.v1"],
          pending: [],
        },
        {
          barcode: "AAK788L9",
          folders: ["/data/Projekte/Größe – café"],
          pending: ["/data/projects/delta"],
        },
        { barcode: "AAK789L9", folders: [], pending: ["/data/projects/gamma"] },
      ],
      queue: [
        {
          kind: "archive",
          args: ["/data/projects/gamma", "AAK789L9", "data_projects_gamma"],
          priority: 50,
          failed: true,
          created: "2024-05-02T13:14:15",
        },
        {
          kind: "prepare",
          args: ["/data/home/Jürgen", false],
          priority: 0,
          failed: false,
          created: "2024-05-08T07:45:12",
        },
        {
          kind: "archive",
          args: ["/data/projects/delta", "AAK788L9", "data_projects_delta"],
          priority: 100,
          failed: false,
          created: "2024-05-03T09:05:00",
        },
        {
          kind: "restore",
          args: ["/data/projects/beta", "/data/restore/beta-results", "/results/"],
          priority: 100,
          failed: false,
          created: "2024-05-09T11:11:11",
        },
        {
          kind: "restore",
          args: ["/data/Projekte/Größe – café", "/data/restore/café", ""],
          priority: 100,
          failed: false,
          created: "2024-05-09T11:12:00",
        },
        {
          kind: "explore",
          args: ["AAK787L9", 3600, "op@example.org"],
          priority: 20,
          failed: false,
          created: "2024-05-09T11:13:00",
        },
        {
          kind: "explore",
          args: ["AAK788L9", 600, null],
          priority: 20,
          failed: false,
          created: "2024-05-09T11:14:00",
        },
        {
          kind: "inventory",
          args: ["/data/home"],
          priority: 200,
          failed: false,
          created: "2024-05-09T11:15:00",
        },
      ],
      problems: [
        {
          entry: "database.json line 13 (/data/projects/survey.v1)",
          message:
            "imported as recorded (data_projects_survey.v1.tar.gz), but the original wrote data_projects_survey.tar.gz on tape AAK787L9 (its with_suffix replaced the tail of a dotted name); verify --adopt looks for both",
        },
      ],
    });
  });

  it("refuses a broken file with exit 1, naming the line and field, and prints no JSON", async () => {
    const result = await runCli(
      ["import-legacy", path.join(FIXTURES, "generate.py"), "--dry-run", "--json"],
      os.tmpdir(),
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^error: \S+generate\.py line 1: not valid JSON/);
  });
});

describe("planLegacyImport", () => {
  const database = parseLegacyDatabase(DATABASE, readFileSync(DATABASE, "utf8"));
  const queue = parseLegacyQueue(QUEUE, readFileSync(QUEUE, "utf8"));

  it("maps every entry to a folder or a job in this pytarchive's words", () => {
    const plan = planLegacyImport(database, queue, { database: DATABASE, queue: QUEUE });
    expect(
      plan.folders.map((entry) => [entry.path, entry.state, entry.tape, entry.nameOnTape]),
    ).toEqual([
      ["/data/projects/beta", "archived", "AAK787L9", "data_projects_beta"],
      ["/data/projects/survey.v1", "archived", "AAK787L9", "data_projects_survey.v1.tar.gz"],
      ["/data/Projekte/Größe – café", "archived", "AAK788L9", "data_Projekte_Größe_–_café"],
      ["/data/projects/alpha", "prepared", null, null],
      ["/data/projects/survey.v2", "prepared", null, null],
      ["/data/projects/gamma", "prepared", null, null],
      ["/data/projects/delta", "prepared", null, null],
    ]);
    expect(plan.folders[4]).toMatchObject({
      compressed: true,
      archivePath: "/data/projects/survey.tar.gz",
    });
    expect(plan.folders[0]).toMatchObject({
      archivedAt: new Date(2023, 10, 3, 2, 47, 10).toISOString(),
      measuredAt: new Date(2023, 10, 2, 9, 15, 41).toISOString(),
    });
    expect(plan.jobs.map((job) => [job.kind, job.args, job.priority, job.failed !== null])).toEqual(
      [
        [
          "archive",
          { folder: "/data/projects/gamma", tape: "AAK789L9", targetName: "data_projects_gamma" },
          50,
          true,
        ],
        [
          "prepare",
          { folder: "/data/home/Jürgen", description: "Jürgen's home, left 2024", compress: false },
          0,
          false,
        ],
        [
          "archive",
          { folder: "/data/projects/delta", tape: "AAK788L9", targetName: "data_projects_delta" },
          100,
          false,
        ],
        // A leading and a trailing / in the original's subfolder are dropped; "" is the whole folder.
        [
          "restore",
          {
            folder: "/data/projects/beta",
            target: "/data/restore/beta-results",
            subfolder: "results",
          },
          100,
          false,
        ],
        [
          "restore",
          { folder: "/data/Projekte/Größe – café", target: "/data/restore/café" },
          100,
          false,
        ],
        ["explore", { tape: "AAK787L9", seconds: 3600, email: "op@example.org" }, 20, false],
        ["explore", { tape: "AAK788L9", seconds: 600 }, 20, false],
        ["inventory", { folders: ["/data/home"] }, 200, false],
      ],
    );
  });

  it("without the queue, reports the folder being prepared and the archives that were queued", () => {
    const plan = planLegacyImport(database, null, { database: "database.json", queue: null });
    expect(plan.jobs).toEqual([]);
    expect(plan.problems.map((problem) => problem.entry)).toEqual([
      "database.json line 13 (/data/projects/survey.v1)",
      "database.json line 52 (/data/projects/gamma)",
      "database.json line 62 (/data/home/Jürgen)",
      "database.json line 67 (/data/projects/delta)",
    ]);
    expect(plan.problems[2]?.message).toBe(
      `not imported: the original was still preparing it and no queue.json was given (--queue); prepare it again: pytarchive prepare /data/home/Jürgen "Jürgen's home, left 2024"`,
    );
    expect(plan.problems[1]?.message).toMatch(
      /^imported as prepared: its archive to tape AAK789L9 was queued/,
    );
  });

  it("reports each entry it cannot map with its line and why, and drops none silently", () => {
    const odd = parseLegacyDatabase(
      "database.json",
      JSON.stringify(
        [
          {
            original_directory: "/srv/a",
            state: "archived",
            description: "no tape",
            size: 1,
            compressed: false,
            archived: "May 08 2024 07:45:12",
            path_on_tape: "a",
          },
          {
            original_directory: "srv/b",
            state: "prepared",
            description: "relative",
            size: 1,
            compressed: false,
          },
          {
            original_directory: "/srv/c",
            state: "prepared",
            description: "ok",
            size: 1,
            compressed: false,
          },
          {
            original_directory: "/srv/c",
            state: "prepared",
            description: "again",
            size: 2,
            compressed: false,
          },
          {
            original_directory: "/srv/d",
            state: "archived",
            description: "odd name",
            size: 1,
            compressed: false,
            tape: "AAK001L9",
            path_on_tape: "x/y",
            archived: "May 08 2024 07:45:12",
          },
        ],
        null,
        4,
      ),
    );
    const tasks = parseLegacyQueue(
      "queue.json",
      JSON.stringify(
        [
          {
            priority: 100,
            coroutine: "shred",
            args: [],
            description: "",
            created: "May 08 2024 07:45:12",
            error_msg: "",
          },
          {
            priority: 0,
            coroutine: "prepare",
            args: ["/srv/c", false],
            description: "",
            created: "May 08 2024 07:45:12",
            error_msg: "",
          },
          {
            priority: 5000,
            coroutine: "inventory",
            args: ["/srv"],
            description: "",
            created: "May 08 2024 07:45:12",
            error_msg: "",
          },
          {
            priority: 100,
            coroutine: "archive",
            args: ["/srv/c", "AAK001L9"],
            description: "",
            created: "May 08 2024 07:45:12",
            error_msg: "",
          },
        ],
        null,
        4,
      ),
    );
    const plan = planLegacyImport(odd, tasks, {
      database: "/x/database.json",
      queue: "/x/queue.json",
    });
    expect(plan.folders.map((entry) => entry.path)).toEqual(["/srv/c"]);
    expect(plan.jobs).toEqual([]);
    expect(plan.problems).toEqual([
      {
        entry: "database.json line 2 (/srv/a)",
        message: "not imported: it is archived but names no tape",
      },
      {
        entry: "database.json line 11 (srv/b)",
        message: 'not imported: original_directory "srv/b" is not a full path starting with /',
      },
      {
        entry: "database.json line 25 (/srv/c)",
        message: "the folder appears again (first at line 18); only the first entry is imported",
      },
      {
        entry: "database.json line 32 (/srv/d)",
        message: 'not imported: path_on_tape "x/y" is not one name at the root of the tape',
      },
      {
        entry: "queue.json line 2 (task 1, shred)",
        message:
          'not imported: the original has no task "shred" (prepare, archive, restore, explore and inventory are known)',
      },
      {
        entry: "queue.json line 10 (task 2, prepare)",
        message:
          "not imported: database.json has /srv/c as prepared, so there is nothing left to prepare",
      },
      {
        entry: "queue.json line 21 (task 3, inventory)",
        message:
          "not imported: priority 5000 is outside 0-1000; queue it again with a priority in range",
      },
      {
        entry: "queue.json line 31 (task 4, archive)",
        message:
          'not imported: its args ["/srv/c","AAK001L9"] are not [folder, barcode, target_name] as the original\'s archive takes them',
      },
    ]);
  });
});
