import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulatedLibrary } from "../../infra/simulator/create-library.ts";
import { formatSimulatorConfig } from "../../infra/simulator/sim-cli.ts";
import { natsUserOfService } from "../../services/launcher/service-users.ts";
import { runCommand } from "../../shared/exec/index.ts";
import { kvBucketNames, streamNames } from "../../shared/messages/index.ts";
import { connectNats, ensureKv, ensureStreams } from "../../shared/nats/index.ts";
import { startNatsCluster, type TestNatsCluster } from "../harness/nats-cluster.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { type Cli, createCli, waitForJob } from "../harness/stack.ts";
import { compareTrees, digestTree } from "../harness/tree-digest.ts";
import {
  createE2eDatabase,
  hostConfigLines,
  mountsBelow,
  type ServiceProcess,
  simulatedMountPoints,
  spawnServiceProcess,
} from "./support.ts";
import { waitForCopyUnderWay } from "./tape-checks.ts";

/*
 * pytarchive on a NATS cluster, as a multi-host site runs it: three nats-servers as one
 * JetStream cluster on loopback (configurations from infra/nats/nats-cluster-config.ts, every
 * stream and the lease bucket replicated ×3 by `[NATS] replicas = 3`), the catalog on
 * PostgreSQL, a simulated library, and every service in a process of its own
 * (`services/runner/main.ts --only NAME`) as its own NATS user, its `[NATS] url` listing the
 * nodes starting with a different one. A node that some services are connected to (the ltfs
 * service's among them) is killed in the middle of a copy and started again later; the ltfs
 * service process is killed mid-copy and started again, as a supervisor would. Every job ends
 * done, the restored tree equals the source, and no tape stays mounted.
 */

const LIBRARY_ID = "default";
/** Every service but the diagnostic echo, in the registry's start order. */
const SERVICES = [
  "catalog",
  "changer",
  "compression",
  "inventory",
  "ltfs",
  "notifier",
  "verification",
  "export",
  "scheduler",
  "gateway",
] as const;
type ServiceName = (typeof SERVICES)[number];
/** The node whose loss the first case survives: first in the changer's, ltfs' and export's list. */
const KILLED_NODE = 1;

let home: string;
let cluster: TestNatsCluster;
let database: Awaited<ReturnType<typeof createE2eDatabase>>;
let db: pg.Client;
let simulator: string;
let cli: Cli;
let mountPoints: string[];
let tapes: string[];
/** A connection of the gateway's user, which may read stream and bucket information. */
let observer: NatsConnection;
const processes = new Map<ServiceName, ServiceProcess>();
/** When each stream was created, with one copy, before the services started. */
const createdWithOneCopy = new Map<string, string>();
const configFiles = new Map<ServiceName, string>();

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "pyt-cluster-"));
  cluster = await startNatsCluster({ folder: path.join(home, "nats"), libraryId: LIBRARY_ID });

  database = await createE2eDatabase();
  db = new pg.Client({ connectionString: database.url });
  await db.connect();

  simulator = path.join(home, "sim");
  await createSimulatedLibrary({ stateDir: simulator });
  mountPoints = await simulatedMountPoints(simulator);
  const state = path.join(home, "state");
  await mkdir(path.join(home, "restored"), { recursive: true });
  // One log file for all (small appended lines); only the gateway listens on its HTTP port.
  const shared = [
    ...(await hostConfigLines(state, database.url)),
    formatSimulatorConfig(simulator),
  ];
  const natsSection = (first: number, user: string) => [
    "[NATS]",
    `url = ${cluster.urlStartingAt(first)}`,
    `credentials_file = ${cluster.credentialsFile(natsUserOfService(user))}`,
    `library_id = ${LIBRARY_ID}`,
    "replicas = 3",
    // A step of a killed worker is taken up again after 10 s instead of 30 s.
    "ack_wait = 10",
  ];
  for (const [index, service] of SERVICES.entries()) {
    const file = path.join(home, `${service}.conf`);
    await writeFile(file, [...shared, ...natsSection(index % 3, service), ""].join("\n"));
    configFiles.set(service, file);
  }
  const cliConfig = path.join(home, "cli.conf");
  await writeFile(
    cliConfig,
    [
      ...shared,
      "[NATS]",
      `url = ${cluster.urlStartingAt(0)}`,
      `credentials_file = ${cluster.credentialsFile("operator")}`,
      "",
    ].join("\n"),
  );
  cli = createCli({ PYTARCHIVE_CONFIG: cliConfig });

  observer = await connectNats({
    url: cluster.urlStartingAt(2),
    credentialsFile: cluster.credentialsFile("gateway"),
    name: "cluster-test-observer",
  });
  // As a start before `[NATS] replicas = 3` left them: one copy each. The services change them.
  const jsm = await jetstreamManager(observer);
  for (const info of await ensureStreams(jsm, LIBRARY_ID, { replicas: 1 })) {
    createdWithOneCopy.set(info.config.name, info.created);
  }
  const kv = await ensureKv(jsm, LIBRARY_ID, { replicas: 1 });
  const { streamInfo } = await kv.status();
  createdWithOneCopy.set(streamInfo.config.name, streamInfo.created);

  // The catalog first (it creates the schema), then the rest together, as a supervisor would.
  await startService("catalog");
  await Promise.all(SERVICES.filter((name) => name !== "catalog").map(startService));
  const listed = await cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>(["tapes"]);
  tapes = listed.tapes.filter((tape) => !tape.cleaning).map((tape) => tape.barcode);
}, 120_000);

afterAll(async () => {
  await Promise.all([...processes.values()].map((service) => service.stop()));
  await observer?.close();
  for (const mountPoint of await mountsBelow(simulator)) {
    await runCommand("umount", [mountPoint]);
  }
  await cluster?.dispose();
  await db?.end();
  await database?.drop();
  await rm(home, { recursive: true, force: true });
}, 90_000);

async function startService(service: ServiceName): Promise<void> {
  const file = configFiles.get(service);
  if (file === undefined) throw new Error(`no configuration for ${service}`);
  processes.set(service, await spawnServiceProcess(file, [service]));
}

function processOf(service: ServiceName): ServiceProcess {
  const running = processes.get(service);
  if (running === undefined) throw new Error(`${service} is not running`);
  return running;
}

/** A prepared project folder with `large` files of 12 MiB and `small` small ones. */
async function preparedFolder(relative: string, large: number, small: number): Promise<string> {
  const folder = path.join(home, "srv", "projects", relative);
  await makeSampleTree(folder, {
    largeFiles: large,
    largeFileBytes: 12 * 1024 * 1024,
    smallFiles: small,
  });
  expect(await run(["prepare", folder, `cluster test: ${relative}`])).toMatchObject({
    state: "done",
  });
  return folder;
}

async function run(args: readonly string[]) {
  const { jobId } = await cli.json<{ jobId: string }>(args);
  return { ...(await waitForJob(cli, jobId, { timeoutMs: 120_000 })), jobId };
}

/** Restores `source` into a new folder and expects the same tree back. */
async function expectRestoredIdentical(source: string, target: string): Promise<void> {
  expect(await run(["restore", source, target])).toMatchObject({ state: "done" });
  expect(
    compareTrees(await digestTree(source, { exclude: [".cache"] }), await digestTree(target)),
  ).toEqual([]);
}

async function drivesMounted(): Promise<string[]> {
  return (await mountsBelow(simulator)).filter((mountPoint) => mountPoints.includes(mountPoint));
}

describe("pytarchive on a three-node NATS cluster", () => {
  it("keeps every stream and the lease bucket on the three nodes, changed from one copy in place", async () => {
    const jsm = await jetstreamManager(observer);
    for (const stream of [
      ...Object.values(streamNames(LIBRARY_ID)),
      `KV_${kvBucketNames(LIBRARY_ID).leases}`,
    ]) {
      const info = await jsm.streams.info(stream);
      expect(info.config.num_replicas, stream).toBe(3);
      expect(info.cluster?.replicas ?? [], stream).toHaveLength(2);
      expect(info.created, `${stream} was changed, not made anew`).toBe(
        createdWithOneCopy.get(stream),
      );
    }
  });

  it("archives, verifies and restores a folder while a node that services use is killed and restarted", async () => {
    const source = await preparedFolder("2024/Cluster Node Loss", 4, 400);
    const [tape] = tapes as [string];
    const name = "projects_2024_Cluster Node Loss";
    const { jobId } = await cli.json<{ jobId: string }>(["archive", source, tape]);
    await waitForCopyUnderWay({ db }, jobId, mountPoints, name);
    const lostAt = processOf("ltfs").output.length;
    await cluster.nodes[KILLED_NODE]?.kill();

    // A step whose ack was lost with the node comes back after the ack wait, also once the job
    // has moved on (the write's did, while its folder was read back, and made the catalog forget
    // the files read back: FILES_INCOMPLETE). Its worker drops it; the job ends done by itself.
    expect(await waitForJob(cli, jobId, { timeoutMs: 120_000 })).toEqual({ state: "done" });
    // The ltfs service was connected to the killed node, and moved to another one.
    const ltfsLines = processOf("ltfs").output.slice(lostAt).join("\n");
    expect(ltfsLines).toContain("lost the NATS server; reconnecting");
    expect(ltfsLines).toContain("reconnected to the NATS server");

    await cluster.nodes[KILLED_NODE]?.start();
    // The restarted node catches up: every stream has its three copies current again.
    const jsm = await jetstreamManager(observer);
    await expect
      .poll(
        async () => {
          const info = await jsm.streams.info(streamNames(LIBRARY_ID).events);
          return (info.cluster?.replicas ?? []).filter((replica) => replica.current).length;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(2);

    expect(await run(["verify", source])).toMatchObject({ state: "done" });
    await expectRestoredIdentical(source, path.join(home, "restored", "node loss"));
    expect(await drivesMounted()).toEqual([]);
  }, 240_000);

  it("finishes an archive whose ltfs service process was killed mid-copy and started again", async () => {
    const source = await preparedFolder("2024/Cluster Ltfs Crash", 4, 400);
    const [, tape] = tapes as [string, string];
    const name = "projects_2024_Cluster Ltfs Crash";
    const { jobId } = await cli.json<{ jobId: string }>(["archive", source, tape]);
    await waitForCopyUnderWay({ db }, jobId, mountPoints, name);
    await processOf("ltfs").kill();
    // As a supervisor would: start it again at once.
    await startService("ltfs");

    expect(await waitForJob(cli, jobId, { timeoutMs: 150_000 })).toEqual({ state: "done" });
    expect(await drivesMounted()).toEqual([]);
    await expectRestoredIdentical(source, path.join(home, "restored", "ltfs crash"));
    expect(await drivesMounted()).toEqual([]);
  }, 240_000);
});
