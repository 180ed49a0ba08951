import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planProcessGroups } from "../../services/launcher/process-groups.ts";
import { SERVICE_REGISTRY } from "../../services/runner/registry.ts";
import { expectExit, runCommand } from "../../shared/exec/index.ts";
import { changerSubjects, kvBucketNames, streamNames } from "../../shared/messages/index.ts";
import { connectNats } from "../../shared/nats/index.ts";
import { startNatsCluster, type TestNatsCluster } from "../harness/nats-cluster.ts";
import { type Cli, createCli, waitForJob } from "../harness/stack.ts";
import { nextPermissionViolation } from "../integration/auth/support.ts";
import {
  createE2eDatabase,
  hostConfigLines,
  mountsBelow,
  type ServiceProcess,
  simulatorCli,
  spawnServiceProcess,
  withTapeImage,
} from "./support.ts";

/*
 * Two tape libraries on one authenticated NATS cluster and one PostgreSQL catalog, as a site
 * with two library hosts runs them: three nats-servers as one JetStream cluster on loopback
 * (configurations and credentials from infra/nats for both library ids, as
 * `infra/scripts/nats-cluster --library-id hera --library-id zeus` writes them; `[NATS]
 * replicas = 3`). Each host has its own pytarchive.conf with the cluster's URLs, the same
 * `[Database] url` and its own `[NATS] library_id`, its own simulated library (different
 * barcodes) and its own services, in the processes `npm start` makes by default (control and
 * data path, connected to different nodes), each `services/runner/main.ts --only …
 * --credentials-dir <its library's credentials>`: every service as its own NATS user of its
 * own library. Both archive a folder at the same time; each job runs on its own
 * library's tape and drive, each library's queue and summary show only its own, no changer
 * moves the other's tapes, neither library's users may touch the other's subjects, a restore of
 * one library's folder asked through the other is refused with the command to run, and nothing
 * stays mounted.
 */

interface Library {
  readonly id: string;
  readonly barcodes: readonly string[];
  readonly simulator: string;
  /** Its CLI's configuration (the operator user of its own library). */
  readonly configFile: string;
  readonly cli: Cli;
  readonly folder: string;
  readonly processes: ServiceProcess[];
  /** Its gateway's user, which may hear its own changer's move outcomes (for /metrics). */
  watcher?: NatsConnection;
}

interface MoveSeen {
  readonly library: string;
  readonly barcode: string;
  readonly jobId: string;
  readonly kind: string;
}

let root: string;
let cluster: TestNatsCluster;
const moves: MoveSeen[] = [];
let database: { url: string; drop(): Promise<void> } | undefined;
let db: pg.Client;
let hera: Library;
let zeus: Library;

/** The CLI configuration of library `libraryId`'s hosts: its own operator's credentials. */
async function cliConfig(file: string, shared: readonly string[], libraryId: string) {
  await writeFile(
    file,
    [
      ...shared,
      "[NATS]",
      `url = ${cluster.urlStartingAt(0)}`,
      `credentials_file = ${cluster.credentialsFile("operator", libraryId)}`,
      `library_id = ${libraryId}`,
      "",
    ].join("\n"),
  );
  return file;
}

/**
 * A library's host: its simulated library, its configuration, a folder to archive, and its
 * services in the launcher's `split` processes, the `index`-th library's first process
 * connected to node `2 × index` and its second to the next.
 */
async function setUpLibrary(
  id: string,
  barcodes: readonly string[],
  dbUrl: string,
  index: number,
): Promise<Library> {
  const home = path.join(root, id);
  const state = path.join(home, "state");
  const simulator = path.join(home, "sim");
  await mkdir(state, { recursive: true });
  await simulatorCli(simulator, "create", [
    ...["--drives", "1", "--slots", "4", "--ie", "0", "--capacity-mib", "128"],
    ...["--barcodes", barcodes.join(","), "--move-delay-ms", "0"],
  ]);
  const shared = [
    ...(await hostConfigLines(state, dbUrl)),
    // This library's tools, changer, drive and mount point (`pytarchive-sim env`).
    await simulatorCli(simulator, "env"),
  ];
  const folder = path.join(root, "srv", `project-${id}`);
  await mkdir(path.join(folder, "data"), { recursive: true });
  for (let part = 0; part < 5; part++) {
    await writeFile(path.join(folder, "data", `part-${part}.bin`), randomBytes(64 * 1024));
  }
  await writeFile(path.join(folder, "README.txt"), `library ${id}\n`);
  const configFile = await cliConfig(path.join(home, "cli.conf"), shared, id);
  const groups = planProcessGroups(
    "split",
    SERVICE_REGISTRY.map((service) => service.name),
  );
  const processes: ServiceProcess[] = [];
  for (const [number, group] of groups.entries()) {
    const file = path.join(home, `${group.name}.conf`);
    await writeFile(
      file,
      [
        ...shared,
        "[NATS]",
        `url = ${cluster.urlStartingAt(2 * index + number)}`,
        `library_id = ${id}`,
        "replicas = 3",
        "",
      ].join("\n"),
    );
    // In start order: the catalog (in control) answers before the data path asks it anything.
    processes.push(
      await spawnServiceProcess(file, group.services, {
        credentialsDir: path.dirname(cluster.credentialsFile("operator", id)),
      }),
    );
  }
  return {
    id,
    barcodes,
    simulator,
    configFile,
    cli: createCli({ PYTARCHIVE_CONFIG: configFile }),
    folder,
    processes,
  };
}

/** Hears `library`'s move outcomes as its gateway's user, which may (it serves /metrics). */
async function watchMoves(library: Library): Promise<void> {
  library.watcher = await connectNats({
    url: cluster.urlStartingAt(2),
    credentialsFile: cluster.credentialsFile("gateway", library.id),
    name: `two-libraries-watcher-${library.id}`,
  });
  const subscription = library.watcher.subscribe(changerSubjects(library.id).moveDone);
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
  await library.watcher.flush();
}

/** Queues through `library`'s CLI and waits for the job to end there. */
async function run(library: Library, args: readonly string[]) {
  const { jobId } = await library.cli.json<{ jobId: string }>(args);
  return { jobId, ...(await waitForJob(library.cli, jobId, { timeoutMs: 90_000, pollMs: 250 })) };
}

beforeAll(async () => {
  root = path.join(tmpdir(), `pyt-e2e-libs-${randomBytes(4).toString("hex")}`);
  await mkdir(root, { recursive: true });
  cluster = await startNatsCluster({
    folder: path.join(root, "nats"),
    libraryIds: ["hera", "zeus"],
  });
  database = await createE2eDatabase();
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  // Both catalogs migrate the new database at the same time.
  [hera, zeus] = await Promise.all([
    setUpLibrary("hera", ["HER001L9", "HER002L9"], database.url, 0),
    setUpLibrary("zeus", ["ZEU001L9", "ZEU002L9"], database.url, 1),
  ]);
  await Promise.all([watchMoves(hera), watchMoves(zeus)]);
}, 180_000);

afterAll(async () => {
  // The libraries side by side, as their hosts would stop.
  await Promise.all(
    [hera, zeus].map(async (library) => {
      // Data path first, as the launcher stops them: its unmount asks the catalog.
      for (const service of [...(library?.processes ?? [])].reverse()) await service.stop();
      for (const mountPoint of await mountsBelow(library?.simulator ?? "/nonexistent")) {
        await runCommand("umount", [mountPoint]);
      }
      await library?.watcher?.close();
    }),
  );
  await cluster?.dispose();
  await db?.end();
  await database?.drop();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
}, 90_000);

describe("two libraries on one authenticated NATS cluster and one catalog", () => {
  const archives = new Map<string, string>();

  it("keeps each library's streams and lease bucket on the three nodes", async () => {
    for (const library of [hera, zeus]) {
      // The gateway's user may look up its own library's streams.
      const jsm = await jetstreamManager(library.watcher as NatsConnection);
      for (const stream of [
        ...Object.values(streamNames(library.id)),
        `KV_${kvBucketNames(library.id).leases}`,
      ]) {
        expect((await jsm.streams.info(stream)).config.num_replicas, stream).toBe(3);
      }
    }
  });

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
    // Nor may one library's users hear the other's: the cluster refuses zeus's gateway hera's moves.
    const watcher = zeus.watcher as NatsConnection;
    const refused = nextPermissionViolation(watcher);
    watcher.subscribe(changerSubjects("hera").moveDone);
    await expect(refused).resolves.toMatchObject({
      operation: "subscription",
      subject: "pyt.hera.events.move.done",
    });
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
    expect(refused.stderr).toContain(
      "with hera's operator credentials in $PYTARCHIVE_NATS_CREDENTIALS",
    );

    // Zeus's operator may not ask hera's library: its NATS user has only zeus's commands.
    const zeusOperatorAsksHera = await createCli({
      PYTARCHIVE_CONFIG: zeus.configFile,
      PYTARCHIVE_LIBRARY_ID: "hera",
    }).run(["restore", hera.folder, target]);
    expect(zeusOperatorAsksHera.exitCode).not.toBe(0);
    expect(zeusOperatorAsksHera.stderr).toContain(
      `refused \`restore\` for library 'hera': the NATS user of ${cluster.credentialsFile("operator", "zeus")} may not send that library's commands.`,
    );
    expect(zeusOperatorAsksHera.stderr).toContain("give library 'hera''s operator credentials");

    // The command it names works with hera's operator credentials: zeus's host asks hera's
    // library, whose changer loads the tape.
    const zeusMoves = moves.filter((move) => move.library === "zeus").length;
    const heraFromZeus = createCli({
      PYTARCHIVE_CONFIG: zeus.configFile,
      PYTARCHIVE_LIBRARY_ID: "hera",
      PYTARCHIVE_NATS_CREDENTIALS: cluster.credentialsFile("operator", "hera"),
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
