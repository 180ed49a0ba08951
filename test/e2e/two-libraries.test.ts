import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectExit, runCommand } from "../../shared/exec/index.ts";
import {
  type Cli,
  createCli,
  freePort,
  type RunningStack,
  startStack,
  waitForJob,
} from "../harness/stack.ts";
import { startNatsServer, type TestNatsServer } from "../helpers/nats-server.ts";
import {
  createE2eDatabase,
  hostConfigLines,
  mountsBelow,
  simulatorCli,
  withTapeImage,
} from "./support.ts";

/*
 * Two tape libraries on one NATS server and one PostgreSQL catalog, as a site with two library
 * hosts runs them: each host has its own pytarchive.conf with the same `[NATS] url` and
 * `[Database] url` and its own `[NATS] library_id`, its own simulated library (different
 * barcodes) and its own set of services (the launcher, `npm start`). Both archive a folder at
 * the same time; each job runs on its own library's tape and drive, each library's queue and
 * summary show only its own, no changer moves the other's tapes, a restore of one library's
 * folder asked through the other is refused with the command to run, and nothing stays mounted.
 */

interface Library {
  readonly id: string;
  readonly barcodes: readonly string[];
  readonly home: string;
  readonly simulator: string;
  readonly configFile: string;
  readonly cli: Cli;
  readonly folder: string;
  stack?: RunningStack;
}

interface MoveSeen {
  readonly library: string;
  readonly barcode: string;
  readonly jobId: string;
  readonly kind: string;
}

let root: string;
let nats: TestNatsServer;
let watcher: NatsConnection;
const moves: MoveSeen[] = [];
let database: { url: string; drop(): Promise<void> } | undefined;
let db: pg.Client;
let hera: Library;
let zeus: Library;

async function setUpLibrary(id: string, barcodes: readonly string[], dbUrl: string) {
  const home = path.join(root, id);
  const state = path.join(home, "state");
  const simulator = path.join(home, "sim");
  await mkdir(state, { recursive: true });
  await simulatorCli(simulator, "create", [
    ...["--drives", "1", "--slots", "4", "--ie", "0", "--capacity-mib", "128"],
    ...["--barcodes", barcodes.join(","), "--move-delay-ms", "0"],
  ]);
  const configFile = path.join(home, "pytarchive.conf");
  await writeFile(
    configFile,
    [
      ...(await hostConfigLines(state, dbUrl)),
      "[NATS]",
      `url = ${nats.url}`,
      `library_id = ${id}`,
      // This library's tools, changer, drive and mount point (`pytarchive-sim env`).
      await simulatorCli(simulator, "env"),
      "",
    ].join("\n"),
  );
  const folder = path.join(root, "srv", `project-${id}`);
  await mkdir(path.join(folder, "data"), { recursive: true });
  for (let index = 0; index < 5; index++) {
    await writeFile(path.join(folder, "data", `part-${index}.bin`), randomBytes(64 * 1024));
  }
  await writeFile(path.join(folder, "README.txt"), `library ${id}\n`);
  const library: Library = {
    id,
    barcodes,
    home,
    simulator,
    configFile,
    cli: createCli({ PYTARCHIVE_CONFIG: configFile }),
    folder,
  };
  return library;
}

async function start(library: Library): Promise<void> {
  library.stack = await startStack({
    configFile: library.configFile,
    natsPort: await freePort(),
    simulate: true,
    env: { PYTARCHIVE_CONFIG: library.configFile },
  });
}

/** Queues through `library`'s CLI and waits for the job to end there. */
async function run(library: Library, args: readonly string[]) {
  const { jobId } = await library.cli.json<{ jobId: string }>(args);
  return { jobId, ...(await waitForJob(library.cli, jobId, { timeoutMs: 60_000, pollMs: 250 })) };
}

beforeAll(async () => {
  root = path.join(tmpdir(), `pyt-e2e-libs-${randomBytes(4).toString("hex")}`);
  await mkdir(root, { recursive: true });
  nats = await startNatsServer();
  watcher = await connect({ servers: nats.url });
  // Every move outcome of every library, as the changers publish them.
  const subscription = watcher.subscribe("pyt.*.events.move.done");
  void (async () => {
    for await (const message of subscription) {
      const outcome = message.json<{ barcode: string; jobId: string; kind: string }>();
      moves.push({
        library: message.subject.split(".")[1] ?? "",
        barcode: outcome.barcode,
        jobId: outcome.jobId,
        kind: outcome.kind,
      });
    }
  })();
  database = await createE2eDatabase();
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  hera = await setUpLibrary("hera", ["HER001L9", "HER002L9"], database.url);
  zeus = await setUpLibrary("zeus", ["ZEU001L9", "ZEU002L9"], database.url);
  // Both catalogs migrate the new database at the same time.
  await Promise.all([start(hera), start(zeus)]);
}, 120_000);

afterAll(async () => {
  for (const library of [hera, zeus]) {
    await library?.stack?.stop();
    for (const mountPoint of await mountsBelow(library?.simulator ?? "/nonexistent")) {
      await runCommand("umount", [mountPoint]);
    }
  }
  await watcher?.close();
  await nats?.stop();
  await db?.end();
  await database?.drop();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
}, 60_000);

describe("two libraries on one NATS server and one catalog", () => {
  const archives = new Map<string, string>();

  it("archive a folder each at the same time, each on its own library's tape and drive", async () => {
    const [heraPrepared, zeusPrepared] = await Promise.all([
      run(hera, ["prepare", hera.folder, "Hera's project"]),
      run(zeus, ["prepare", zeus.folder, "Zeus's project"]),
    ]);
    expect([heraPrepared.state, zeusPrepared.state]).toEqual(["done", "done"]);
    const [heraArchived, zeusArchived] = await Promise.all([
      run(hera, ["archive", hera.folder, "HER001L9", "-t", "project-hera"]),
      run(zeus, ["archive", zeus.folder, "ZEU001L9", "-t", "project-zeus"]),
    ]);
    expect([heraArchived.state, zeusArchived.state]).toEqual(["done", "done"]);
    archives.set("hera", heraArchived.jobId);
    archives.set("zeus", zeusArchived.jobId);

    // The catalog: each job belongs to its library and ran on drive 0 of it; each folder is
    // archived on a tape of its library.
    const jobs = await db.query<{ id: string; kind: string; library_id: string; drive: number }>(
      "select id, kind, library_id, drive from jobs where kind = 'archive' order by library_id",
    );
    expect(jobs.rows).toEqual([
      { id: heraArchived.jobId, kind: "archive", library_id: "hera", drive: 0 },
      { id: zeusArchived.jobId, kind: "archive", library_id: "zeus", drive: 0 },
    ]);
    const folders = await db.query<{ path: string; tape_barcode: string; library_id: string }>(
      `select folders.path, folders.tape_barcode, tapes.library_id
         from folders join tapes on tapes.barcode = folders.tape_barcode order by folders.path`,
    );
    expect(folders.rows).toEqual([
      { path: hera.folder, tape_barcode: "HER001L9", library_id: "hera" },
      { path: zeus.folder, tape_barcode: "ZEU001L9", library_id: "zeus" },
    ]);

    // The tapes themselves: each folder is on its own library's cartridge.
    for (const [library, barcode] of [
      [hera, "HER001L9"],
      [zeus, "ZEU001L9"],
    ] as const) {
      const readme = await withTapeImage(library.simulator, barcode, "ro", (mounted) =>
        readFile(path.join(mounted, `project-${library.id}`, "README.txt"), "utf8"),
      );
      expect(readme).toBe(`library ${library.id}\n`);
    }

    // The changers: every move of a library's changer is of its own tapes and jobs.
    for (const library of [hera, zeus]) {
      const own = moves.filter((move) => move.library === library.id);
      expect(own.map((move) => move.kind)).toContain("load");
      // Only the tape its archive asked for (the first of its barcodes), never the other's.
      expect(own.map((move) => move.barcode)).toEqual(own.map(() => library.barcodes[0]));
      expect(own.map((move) => move.jobId)).toEqual(own.map(() => archives.get(library.id)));
    }
    expect(moves.filter((move) => move.library !== "hera" && move.library !== "zeus")).toEqual([]);
  }, 90_000);

  it("queue and summary of each library list only its jobs and tapes", async () => {
    for (const [library, other] of [
      [hera, zeus],
      [zeus, hera],
    ] as const) {
      const queue = await library.cli.json<{ recent: { id: string; kind: string }[] }>(["queue"]);
      expect(queue.recent.map((job) => job.kind).sort()).toEqual(["archive", "prepare"]);
      expect(queue.recent.map((job) => job.id)).toContain(archives.get(library.id));
      expect(queue.recent.map((job) => job.id)).not.toContain(archives.get(other.id));

      const summary = await library.cli.json<{
        tapes: { barcode: string; folders: { path: string }[] }[];
      }>(["summary"]);
      expect(summary.tapes.map((tape) => tape.barcode)).toEqual([...library.barcodes]);
      expect(summary.tapes.flatMap((tape) => tape.folders.map((folder) => folder.path))).toEqual([
        library.folder,
      ]);

      // `mtx status` of its changer: only its own cartridges, all home in their slots.
      const status = expectExit(
        await runCommand(path.join(library.simulator, "bin", "mtx"), [
          "-f",
          path.join(library.simulator, "changer"),
          "status",
        ]),
      ).stdout;
      expect(status).toMatch(/Data Transfer Element 0:Empty/);
      expect([...status.matchAll(/VolumeTag ?= ?(\S+)/g)].map((match) => match[1])).toEqual([
        ...library.barcodes,
      ]);
    }
  }, 90_000);

  it("refuses a restore of hera's folder asked through zeus, naming hera and the command to run there", async () => {
    const target = path.join(root, "restored-hera");
    const refused = await zeus.cli.run(["restore", hera.folder, target]);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain(
      "Tape HER001L9 is in library 'hera', not in library 'zeus' that this pytarchive serves",
    );
    expect(refused.stderr).toContain(
      `PYTARCHIVE_LIBRARY_ID=hera pytarchive restore ${hera.folder} ${target}`,
    );

    // The command it names works: zeus's host asks hera's library, whose changer loads the tape.
    const zeusMoves = moves.filter((move) => move.library === "zeus").length;
    const heraFromZeus = createCli({
      PYTARCHIVE_CONFIG: zeus.configFile,
      PYTARCHIVE_LIBRARY_ID: "hera",
    });
    const { jobId } = await heraFromZeus.json<{ jobId: string }>(["restore", hera.folder, target]);
    expect(await waitForJob(heraFromZeus, jobId, { timeoutMs: 60_000, pollMs: 250 })).toEqual({
      state: "done",
    });
    expect(await readFile(path.join(target, "README.txt"), "utf8")).toBe("library hera\n");
    const restore = await db.query<{ library_id: string }>(
      "select library_id from jobs where id = $1",
      [jobId],
    );
    expect(restore.rows).toEqual([{ library_id: "hera" }]);
    expect(moves.filter((move) => move.library === "zeus")).toHaveLength(zeusMoves);
    const restoreMoves = moves.filter((move) => move.jobId === jobId);
    expect(restoreMoves.map((move) => [move.library, move.barcode])).toContainEqual([
      "hera",
      "HER001L9",
    ]);
    expect(restoreMoves.every((move) => move.library === "hera")).toBe(true);
  }, 90_000);

  it("leaves nothing mounted in either library", async () => {
    for (const library of [hera, zeus]) {
      expect(await mountsBelow(library.simulator)).toEqual([]);
    }
  }, 90_000);
});
