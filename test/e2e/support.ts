import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import {
  type Cli,
  createCli,
  freePort,
  type JobEnd,
  type RunningStack,
  startStack,
  waitForJob,
} from "../../demo/stack.ts";
import { expectExit, runCommand } from "../../shared/exec/index.ts";
import { TEST_POSTGRES_URL } from "../helpers/databases.ts";

/*
 * The whole of pytarchive as a user runs it: `npm start`'s launcher in a child process (its own
 * NATS server, a fresh simulated library), the catalog on a new PostgreSQL database (so a test
 * can read what the catalog recorded), and the `pytarchive` CLI.
 */

export interface E2eStack {
  readonly home: string;
  readonly state: string;
  readonly simulator: string;
  readonly configFile: string;
  readonly cli: Cli;
  readonly stack: RunningStack;
  readonly db: pg.Client;
  /** Queues a job through the CLI (`--json`) and waits for its end. */
  run(args: readonly string[], timeoutMs?: number): Promise<JobEnd & { jobId: string }>;
  close(): Promise<void>;
}

export async function startE2eStack(options: { extraConfig?: string[] } = {}): Promise<E2eStack> {
  const home = await mkdtemp(path.join(tmpdir(), "pyt-e2e-"));
  const state = path.join(home, "state");
  await mkdir(state, { recursive: true });
  const dbName = `pyt_e2e_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = new URL(TEST_POSTGRES_URL);
  dbUrl.pathname = `/${dbName}`;
  const configFile = path.join(home, "pytarchive.conf");
  await writeFile(
    configFile,
    [
      "[General]",
      "exclude_folders = .cache",
      `scratch_path = ${path.join(state, "scratch")}`,
      "tape_max_size = 1048576",
      "[Paths]",
      `state_dir = ${state}`,
      "[Database]",
      `url = ${dbUrl.toString()}`,
      ...(options.extraConfig ?? []),
      "",
    ].join("\n"),
  );
  const env = { PYTARCHIVE_CONFIG: configFile };
  const stack = await startStack({ configFile, natsPort: await freePort(), env });
  const cli = createCli(env);
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  await db.connect();
  return {
    home,
    state,
    simulator: path.join(state, "sim"),
    configFile,
    cli,
    stack,
    db,
    async run(args, timeoutMs = 240_000) {
      const queued = await cli.json<{ jobId: string }>(args);
      const end = await waitForJob(cli, queued.jobId, { timeoutMs });
      return { ...end, jobId: queued.jobId };
    },
    async close() {
      await stack.stop();
      await db.end();
      const cleanup = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await cleanup.end();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/**
 * Mounts the LTFS image of a tape that sits in its slot (not loaded) with a loop device, runs
 * `work` on the mounted folder, and unmounts: how a test looks at (or tampers with) the tape
 * behind pytarchive's back, as someone with the cartridge in another LTFS host would.
 */
export async function withTapeImage<T>(
  simulator: string,
  barcode: string,
  mode: "ro" | "rw",
  work: (mounted: string) => Promise<T>,
): Promise<T> {
  const image = path.join(simulator, "tapes", barcode, "medium.img");
  const mountPoint = await mkdtemp(path.join(tmpdir(), `pyt-tape-${barcode}-`));
  await expectExit(await runCommand("mount", ["-o", `loop,${mode}`, image, mountPoint]));
  try {
    return await work(mountPoint);
  } finally {
    await expectExit(await runCommand("umount", [mountPoint]));
    await rm(mountPoint, { recursive: true, force: true });
  }
}
