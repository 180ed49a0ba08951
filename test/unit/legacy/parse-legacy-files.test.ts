import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import {
  legacyTimeToIso,
  localWallTimeToDate,
  parseLegacyDatabase,
  parseLegacyQueue,
} from "../../../shared/legacy/index.ts";

const FIXTURES = path.join(import.meta.dirname, "../../fixtures/legacy");
const DATABASE = readFileSync(path.join(FIXTURES, "database.json"), "utf8");
const QUEUE = readFileSync(path.join(FIXTURES, "queue.json"), "utf8");

function refusal(work: () => unknown): PytarchiveError {
  try {
    work();
  } catch (error) {
    if (error instanceof PytarchiveError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("parseLegacyDatabase on the database.json the original's db.py wrote", () => {
  it("reads every entry with its fields, names byte for byte and times as local wall time", () => {
    const folders = parseLegacyDatabase("database.json", DATABASE);
    expect(folders.map((folder) => [folder.line, folder.originalDirectory, folder.state])).toEqual([
      [2, "/data/projects/beta", "archived"],
      [13, "/data/projects/survey.v1", "archived"],
      [24, "/data/Projekte/Größe – café", "archived"],
      [35, "/data/projects/alpha", "prepared"],
      [43, "/data/projects/survey.v2", "prepared"],
      [52, "/data/projects/gamma", "prepared"],
      [62, "/data/home/Jürgen", "preparing"],
      [67, "/data/projects/delta", "prepared"],
    ]);
    expect(folders[2]).toEqual({
      line: 24,
      originalDirectory: "/data/Projekte/Gr\u00f6\u00dfe \u2013 caf\u00e9",
      state: "archived",
      description: "Messdaten Größe, Ω-Serie \ud83d\udcc1",
      sizeKiB: 52480,
      compressed: false,
      compressedPath: null,
      tape: "AAK788L9",
      pathOnTape: "data_Projekte_Größe_–_café",
      sizeQueried: "2024-02-29T23:59:59",
      archived: "2024-03-01T00:30:00",
    });
    // A preparing entry has no size and no compressed flag; a prepared compressed one keeps the
    // tarball next to the source, its dotted name's tail replaced (with_suffix).
    expect(folders[6]).toMatchObject({ sizeKiB: null, compressed: null, sizeQueried: null });
    expect(folders[4]).toMatchObject({
      compressed: true,
      compressedPath: "/data/projects/survey.tar.gz",
    });
    expect(folders[1]).toMatchObject({
      compressed: true,
      compressedPath: null,
      pathOnTape: "data_projects_survey.v1.tar.gz",
    });
  });

  it("refuses a file with a trailing comma, naming the line where it shows", () => {
    const broken = DATABASE.replace(
      '"archived": "Nov 03 2023 02:47:10"',
      '"archived": "Nov 03 2023 02:47:10",',
    );
    const error = refusal(() => parseLegacyDatabase("/var/lib/pytarchive/database.json", broken));
    expect(error.code).toBe("LEGACY_FILE_INVALID");
    expect(error.message).toBe(
      "/var/lib/pytarchive/database.json line 12: not valid JSON (a field name in quotes expected (a trailing comma?)). Nothing was imported.",
    );
    expect(error.hint).toContain("fix line 12 of /var/lib/pytarchive/database.json");
  });

  it("refuses a field of the wrong kind, naming the line and the field", () => {
    const broken = DATABASE.replace('"size": 52480,', '"size": "52480",');
    expect(refusal(() => parseLegacyDatabase("database.json", broken)).message).toBe(
      'database.json line 28: field "size" of entry 3 must be a whole number from 0 to 8796093022208, not a string "52480". Nothing was imported.',
    );
  });

  it("refuses a time that is not the original's format, or a day that does not exist", () => {
    const reformatted = DATABASE.replace("Nov 03 2023 02:47:10", "2023-11-03 02:47:10");
    expect(refusal(() => parseLegacyDatabase("database.json", reformatted)).message).toBe(
      'database.json line 11: field "archived" of entry 1 must be a time as the original writes it, like "May 08 2024 07:45:12", not a string "2023-11-03 02:47:10". Nothing was imported.',
    );
    expect(legacyTimeToIso("Feb 29 2023 10:00:00")).toBeNull();
    expect(legacyTimeToIso("Feb 29 2024 23:59:59")).toBe("2024-02-29T23:59:59");
    expect(legacyTimeToIso("Mai 08 2024 07:45:12")).toBeNull();
    expect(localWallTimeToDate("2024-05-08T07:45:12")).toEqual(new Date(2024, 4, 8, 7, 45, 12));
  });

  it("refuses a missing field, an unknown state, and a file that is not an array", () => {
    const noState = DATABASE.replace(
      '        "state": "prepared",\n        "description": "Alpha',
      '        "description": "Alpha',
    );
    expect(refusal(() => parseLegacyDatabase("database.json", noState)).message).toBe(
      'database.json line 35: entry 4 has no field "state" (preparing, prepared or archived). Nothing was imported.',
    );
    const oddState = DATABASE.replace('"state": "preparing"', '"state": "prepping"');
    expect(refusal(() => parseLegacyDatabase("database.json", oddState)).message).toBe(
      'database.json line 64: field "state" of entry 7 must be one of preparing, prepared, archiving_queued, archiving, archived, not "prepping". Nothing was imported.',
    );
    expect(refusal(() => parseLegacyDatabase("database.json", '{"a": 1}')).message).toBe(
      "database.json line 1: the file must be a JSON array, not an object. Nothing was imported.",
    );
    expect(refusal(() => parseLegacyDatabase("database.json", "")).message).toBe(
      "database.json line 1: the file is empty (the original writes [] at least; was it cut off while being written?). Nothing was imported.",
    );
  });
});

describe("parseLegacyQueue on the queue.json the original's work_queue.py wrote", () => {
  it("reads every task of every kind, failed ones with their error and traceback", () => {
    const tasks = parseLegacyQueue("queue.json", QUEUE);
    expect(
      tasks.map((task) => [task.coroutine, task.priority, task.error !== null, task.created]),
    ).toEqual([
      ["archive", 50, true, "2024-05-02T13:14:15"],
      ["prepare", 0, false, "2024-05-08T07:45:12"],
      ["archive", 100, false, "2024-05-03T09:05:00"],
      ["restore", 100, false, "2024-05-09T11:11:11"],
      ["restore", 100, false, "2024-05-09T11:12:00"],
      ["explore", 20, false, "2024-05-09T11:13:00"],
      ["explore", 20, false, "2024-05-09T11:14:00"],
      ["inventory", 200, false, "2024-05-09T11:15:00"],
    ]);
    expect(tasks[0]?.error).toMatch(
      /^Failed to load tape AAK789L9: .* Traceback \(most recent call last\):\n/,
    );
    expect(tasks[3]?.args).toEqual([
      "/data/projects/beta",
      "/data/restore/beta-results",
      "/results/",
    ]);
    expect(tasks[6]?.args).toEqual(["AAK788L9", 600, null]);
    expect(new Set(tasks.map((task) => task.key)).size).toBe(tasks.length);
  });

  it("gives two identical tasks different keys, the same ones on every read", () => {
    const twice = `[\n${[0, 1].map(() => '{"priority": 200, "coroutine": "inventory", "args": ["/srv"], "description": "d", "created": "May 09 2024 11:15:00", "error_msg": ""}').join(",\n")}\n]`;
    const [a, b] = parseLegacyQueue("queue.json", twice);
    expect(a?.key).not.toBe(b?.key);
    expect(parseLegacyQueue("queue.json", twice).map((task) => task.key)).toEqual([a?.key, b?.key]);
  });

  it("refuses args that are not an array and a missing error_msg, naming line and field", () => {
    const broken = QUEUE.replace(
      '"args": [\n            "/data/home"\n        ]',
      '"args": "/data/home"',
    );
    expect(refusal(() => parseLegacyQueue("queue.json", broken)).message).toBe(
      'queue.json line 88: field "args" of task 8 must be an array, not a string. Nothing was imported.',
    );
    const noError = QUEUE.replace(/,\n\s+"error_msg": ""\n {4}}\n]$/, "\n    }\n]");
    expect(refusal(() => parseLegacyQueue("queue.json", noError)).message).toBe(
      'queue.json line 85: task 8 has no field "error_msg" ("" for a queued task, else its error). Nothing was imported.',
    );
  });
});
