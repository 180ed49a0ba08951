import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServices } from "../../../services/runner/index.ts";
import { loadConfig } from "../../../shared/config/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import type { CommandVerb } from "../../../shared/messages/commands.ts";
import { subjects } from "../../../shared/messages/index.ts";
import { compareTrees, digestTree, type TreeDigest } from "../../harness/tree-digest.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { runInProcess, useConfigFile } from "../cli/support.ts";
import {
  type CommandClient,
  catalogSnapshot,
  connectCommandClient,
  makeScratch,
  seedArchived,
  seedPrepared,
  seedTapes,
  startGatewayAndCatalog,
  uniqueLibraryId,
} from "./support.ts";

/*
 * Issue 9, findings 4 and 5: every bad input gets a clear error, whatever characters it holds.
 * Control characters (\n, \r, NUL, ESC, C1 CSI), 10 KB strings and out-of-range numbers in every
 * argument of every command, and bodies that are not UTF-8, sent over NATS to the real gateway
 * and catalog and typed to the CLI: each is answered with `{ code, message, hint }` within 2 s,
 * and nothing changes — no job, no catalog row, no file.
 */

const ANSWER_WITHIN_MS = 2_000;
/** Codes that mean pytarchive failed rather than refused: none may come back. */
const FAILURES = ["SERVICE_TIMEOUT", "INTERNAL_ERROR", "SERVICE_NOT_RUNNING"];

const BAD_TEXTS: Record<string, string> = {
  newline: "no\npe",
  "carriage return": "no\rpe",
  NUL: "no\0pe",
  ESC: "no\u001b[2Jpe",
  "C1 CSI": "no\u009b2Jpe",
  "10 KB": "x".repeat(10 * 1024),
};

let server: TestNatsServer;
let database: TestCatalogDatabase;
let services: RunningServices;
let client: CommandClient;
let restoreEnv: () => void;
const scratch = makeScratch();
const libraryId = uniqueLibraryId();
const fresh = scratch.folder("projects", "fresh");
const prepared = scratch.folder("projects", "prepared");
const archived = scratch.folder("projects", "archived");
const restoreInto = scratch.folder("restore");
const scratchPath = scratch.folder("state", "scratch");

/** Each verb's request that would be accepted, and the fields it has. */
const VALID: Record<string, Record<string, unknown>> = {
  prepare: { folder: fresh, description: "a project", compress: false },
  archive: { folder: prepared, tape: "AAA002L9", targetName: "prepared_copy" },
  restore: { folder: archived, target: join(restoreInto, "new"), subfolder: "data" },
  explore: { tape: "AAA001L9", seconds: 60, email: "alice@example.org" },
  inventory: { folders: [fresh] },
  verify: { target: archived },
  deleteable: { ignore: ["/srv/ignored"] },
  requeue: { ids: ["0badc0de"] },
  abort: { ids: ["0badc0de"] },
  history: { since: "2026-01-01", limit: 10 },
};

/** A bad text put where the field's kind of value goes: paths stay absolute, so the text is the fault. */
function badValue(field: string, text: string): unknown {
  switch (field) {
    case "folder":
    case "target":
      return `${scratch.root}/${text}`;
    case "folders":
    case "ignore":
      return [`${scratch.root}/${text}`];
    case "ids":
      return [text];
    default:
      return text;
  }
}

function stringFields(verb: string): string[] {
  return Object.entries(VALID[verb] ?? {})
    .filter(([, value]) => typeof value === "string" || Array.isArray(value))
    .map(([field]) => field);
}

beforeAll(async () => {
  server = await startNatsServer();
  database = await pgliteDatabaseFactory.open();
  const stateDir = scratch.folder("state");
  const configFile = join(scratch.root, "pytarchive.conf");
  writeFileSync(
    configFile,
    [
      "[General]",
      "tape_max_size = 1000",
      `scratch_path = ${scratchPath}`,
      "[Paths]",
      `state_dir = ${stateDir}`,
      "[NATS]",
      `url = ${server.url}`,
      `library_id = ${libraryId}`,
      "",
    ].join("\n"),
  );
  services = await startGatewayAndCatalog(loadConfig({ path: configFile, env: {} }), database.db);
  client = await connectCommandClient(server.url, libraryId);
  restoreEnv = useConfigFile(configFile);
  await seedTapes(database.db, libraryId);
  await seedPrepared(database.db, prepared, 100);
  await seedArchived(database.db, archived, { tape: "AAA001L9", name: "archived", sizeKib: 10 });
  mkdirSync(join(archived, "data"), { recursive: true });
}, 60_000);

afterAll(async () => {
  restoreEnv?.();
  await client?.close();
  await services?.stop();
  await database?.close();
  await server?.dispose();
  rmSync(scratch.root, { recursive: true, force: true });
});

describe("bad input over NATS and through the CLI", () => {
  /** Bad inputs answered with a clear error in time, for the closing figure. */
  let refusedCleanly = 0;
  let catalogBefore: Awaited<ReturnType<typeof catalogSnapshot>>;
  let filesBefore: TreeDigest;

  beforeAll(async () => {
    catalogBefore = await catalogSnapshot(database.db);
    filesBefore = await digestTree(scratch.root);
  });

  /** Sends `payload`; the answer must be a refusal with code, message and hint, in time. */
  async function expectClearError(verb: CommandVerb, payload: unknown): Promise<PytarchiveError> {
    const started = Date.now();
    let answer: unknown;
    try {
      answer = await client.send(verb, payload, { timeoutMs: ANSWER_WITHIN_MS });
    } catch (error) {
      answer = error;
    }
    const label = `${verb} ${JSON.stringify(payload).slice(0, 120)}`;
    expect(answer, label).toBeInstanceOf(PytarchiveError);
    const error = answer as PytarchiveError;
    expect(FAILURES, `${label}: ${error.code} ${error.message}`).not.toContain(error.code);
    expect(error.message, label).toMatch(/\S/);
    expect(error.message.length, label).toBeLessThan(2_000);
    expect(error.hint, label).toMatch(/\S/);
    expect(Date.now() - started, label).toBeLessThan(ANSWER_WITHIN_MS);
    refusedCleanly++;
    return error;
  }

  it("answers control characters and 10 KB strings in every text argument with a clear error", async () => {
    let sent = 0;
    for (const verb of Object.keys(VALID) as CommandVerb[]) {
      for (const field of stringFields(verb)) {
        for (const text of Object.values(BAD_TEXTS)) {
          await expectClearError(verb, { ...VALID[verb], [field]: badValue(field, text) });
          sent++;
        }
      }
    }
    expect(sent).toBeGreaterThanOrEqual(15 * Object.keys(BAD_TEXTS).length);
  }, 60_000);

  it("answers a newline in a folder name with the folder's error, not silence", async () => {
    const error = await expectClearError("prepare", {
      ...VALID.prepare,
      folder: `${scratch.root}/no\npe`,
    });
    expect(error.code).toBe("FOLDER_NOT_FOUND");
    expect(error.message).toContain(`${scratch.root}/no\npe does not exist`);
  });

  it("refuses out-of-range numbers before anything is queued", async () => {
    for (const priority of [-1, 1001, 8_700_000_000_000]) {
      for (const verb of ["prepare", "archive", "restore", "explore", "inventory", "verify"]) {
        const error = await expectClearError(verb as CommandVerb, { ...VALID[verb], priority });
        expect(error.message).toMatch(/priority/);
      }
    }
    for (const seconds of [0, 604_801, 8_700_000_000_000]) {
      const error = await expectClearError("explore", { ...VALID.explore, seconds });
      expect(error.message).toMatch(/time/);
    }
    for (const drive of [-1, 65_536, 1.5]) {
      await expectClearError("clear-drive", { drive });
    }
    await expectClearError("requeue", { ids: Array.from({ length: 1001 }, () => "0badc0de") });
    for (const limit of [0, 1001, 8_700_000_000_000]) {
      await expectClearError("history", { ...VALID.history, limit });
    }
  });

  it("refuses bodies that are not UTF-8, or not JSON, on every verb", async () => {
    const notUtf8 = Buffer.concat([Buffer.from('{"folder":"/tmp/'), Buffer.from([0xff, 0xfe])]);
    for (const verb of [...Object.keys(VALID), "queue", "summary", "tapes", "clear-drive"]) {
      for (const body of [Buffer.concat([notUtf8, Buffer.from('"}')]), Buffer.from("\u0000\n")]) {
        const started = Date.now();
        const reply = await client.nc.request(subjects(libraryId).command(verb), body, {
          timeout: ANSWER_WITHIN_MS,
        });
        expect(reply.headers?.get("Nats-Service-Error-Code"), verb).toBe("400");
        const answer = JSON.parse(reply.string()) as { code: string; message: string };
        expect(answer.code).toBe("INVALID_ARGUMENT");
        expect(answer.message).toMatch(/not UTF-8|not JSON/);
        expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
        refusedCleanly++;
      }
    }
  });

  it("prints such errors through the CLI within 2 s, control characters escaped", async () => {
    const lines: string[][] = [];
    for (const text of Object.values(BAD_TEXTS)) {
      const path = `${scratch.root}/${text}`;
      lines.push(
        ["prepare", path, "a project"],
        ["prepare", fresh, text],
        ["archive", path, "AAA002L9"],
        ["archive", prepared, text],
        ["archive", prepared, "AAA002L9", "-t", text],
        ["restore", archived, path],
        ["restore", path, join(restoreInto, "new")],
        ["restore", archived, join(restoreInto, "new"), "-s", text],
        ["explore", text],
        ["explore", "AAA001L9", "-e", text],
        ["inventory", path],
        ["verify", path],
        ["verify", text],
        ["deleteable", "--ignore", text],
        ["requeue", text],
        ["abort", text],
        ["clear-drive", text],
        ["history", "--since", text],
      );
    }
    lines.push(
      ["explore", "AAA001L9", "-t", "8700000000000"],
      ["explore", "AAA001L9", "-t", "0"],
      ["prepare", fresh, "a project", "--priority", "100000"],
      ["clear-drive", "99999999"],
      ["history", "--limit", "100000"],
    );
    for (const argv of lines) {
      const started = Date.now();
      const result = await runInProcess(argv, { cwd: scratch.root });
      const label = JSON.stringify(argv).slice(0, 120);
      expect(result.exitCode, `${label}: ${result.stdout}`).not.toBe(0);
      expect(result.stderr, label).toMatch(/^error: \S/);
      expect(result.stderr, label).not.toMatch(/unexpected failure|did not answer/);
      // Only the line ends of the output itself: none from the argument.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not reach the terminal
      expect(result.stderr, label).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      // "no\npe" printed raw would start a line with "pe" (a forged line of output).
      expect(result.stderr, label).not.toMatch(/^pe/m);
      expect(Date.now() - started, label).toBeLessThan(ANSWER_WITHIN_MS);
      refusedCleanly++;
    }
  }, 60_000);

  it("changed nothing: no job, no catalog row, no file", async () => {
    expect(await catalogSnapshot(database.db)).toEqual(catalogBefore);
    expect(compareTrees(filesBefore, await digestTree(scratch.root))).toEqual([]);
    console.log(`bad inputs refused cleanly: ${refusedCleanly}, catalog rows and files changed: 0`);
  });
});
