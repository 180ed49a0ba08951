import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import {
  type CreateLibraryOptions,
  createSimulatedLibrary,
} from "../../../infra/simulator/create-library.ts";
import type { SimulatorLayout } from "../../../infra/simulator/layout.ts";
import { createCatalogService } from "../../../services/catalog/index.ts";
import {
  type ChangerServiceOptions,
  createChangerService,
  publishMove,
} from "../../../services/changer/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { createLtfsDrive, type LtfsDrive } from "../../../shared/hardware/ltfs/index.ts";
import { createMtxChanger, type MtxChanger } from "../../../shared/hardware/mtx/index.ts";
import {
  changerSubjects,
  MOVE_EVENTS,
  MoveDone,
  MoveFailed,
  type MoveRequest,
} from "../../../shared/messages/changer-moves.ts";
import { ensureKv, ensureStreams } from "../../../shared/nats/index.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import type { TestNatsServer } from "../../helpers/nats-server.ts";

/*
 * A simulated library, a real nats-server, the catalog service on PGlite, and as many changer
 * instances as a test starts, each in its own runner (its own NATS connection), each running
 * mtx through a wrapper that records when every robot command started and ended.
 */

const SIM_CLI = path.resolve("bin/pytarchive-sim.mjs");

/** One robot command as an instance ran it (performance.now() milliseconds). */
export interface MtxRun {
  readonly instance: string;
  readonly operation: "load" | "unload" | "transfer";
  readonly args: readonly number[];
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ok: boolean;
}

/** An mtx adapter that records every load, unload and transfer into `runs`. */
export function recordingChanger(inner: MtxChanger, instance: string, runs: MtxRun[]): MtxChanger {
  const record = async (
    operation: MtxRun["operation"],
    args: number[],
    run: () => Promise<void>,
  ): Promise<void> => {
    const startedAt = performance.now();
    let ok = false;
    try {
      await run();
      ok = true;
    } finally {
      runs.push({ instance, operation, args, startedAt, endedAt: performance.now(), ok });
    }
  };
  return {
    status: () => inner.status(),
    load: (slot, drive) => record("load", [slot, drive], () => inner.load(slot, drive)),
    unload: (drive, slot) => record("unload", [drive, slot], () => inner.unload(drive, slot)),
    transfer: (from, to) => record("transfer", [from, to], () => inner.transfer(from, to)),
  };
}

export type MoveOutcome =
  | { readonly event: "done"; readonly done: MoveDone }
  | { readonly event: "failed"; readonly failed: MoveFailed };

export interface RunningChanger {
  readonly name: string;
  readonly services: RunningServices;
  readonly logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface ChangerHarness {
  readonly layout: SimulatorLayout;
  readonly config: PytarchiveConfig;
  readonly libraryId: string;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly kv: KV;
  readonly database: TestCatalogDatabase;
  /** Every robot command of every instance, in the order they ended. */
  readonly runs: MtxRun[];
  /** The library's mtx, for the test's own looking and arranging (not recorded). */
  readonly mtx: MtxChanger;
  startChanger(name: string, options?: ChangerServiceOptions): Promise<RunningChanger>;
  /** Publishes a move as the scheduler does; resolves with its outcome event. */
  move(move: MoveRequest, timeoutMs?: number): Promise<MoveOutcome>;
  /** The outcome of a move published elsewhere. */
  outcomeOf(moveId: string, timeoutMs?: number): Promise<MoveOutcome>;
  /** Every outcome seen so far for `moveId` (a repeat would show up here). */
  outcomesSeen(moveId: string): MoveOutcome[];
  simCli(...args: string[]): Promise<string>;
  close(): Promise<void>;
}

let moveCounter = 0;

/** A move id no other move in this test run has. */
export function newMoveId(label: string): string {
  moveCounter += 1;
  return `${label}.${process.pid}.${moveCounter}`;
}

/** A job id (8 hex digits). */
export function newJobId(): string {
  return randomBytes(4).toString("hex");
}

export async function startChangerHarness(
  server: TestNatsServer,
  library: Omit<CreateLibraryOptions, "stateDir">,
): Promise<ChangerHarness> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-changer-"));
  const layout = await createSimulatedLibrary({
    moveDelayMs: 0,
    ...library,
    stateDir: path.join(root, "library"),
  });
  const simCli = async (...args: string[]) =>
    expectExit(await runCommand(process.execPath, [SIM_CLI, ...args])).stdout;
  const libraryId = `c${randomBytes(4).toString("hex")}`;
  const simulatorLines = await simCli("env", "--state", layout.stateDir);
  const config = parseConfig(
    [
      simulatorLines,
      "[General]",
      "tape_max_size = 1000000",
      "[Paths]",
      `state_dir = ${path.join(root, "state")}`,
      "[NATS]",
      `url = ${server.url}`,
      `library_id = ${libraryId}`,
      "",
    ].join("\n"),
    "changer-test.conf",
    {},
  );
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, libraryId);
  const kv = await ensureKv(jsm, libraryId);
  const js = jetstream(nc);

  const seen = new Map<string, MoveOutcome[]>();
  const waiters = new Map<string, ((outcome: MoveOutcome) => void)[]>();
  const outcomes = nc.subscribe(changerSubjects(libraryId).moveOutcomes, {
    callback: (_error, msg) => {
      const outcome: MoveOutcome = msg.subject.endsWith(MOVE_EVENTS.failed)
        ? { event: "failed", failed: MoveFailed.decode(msg.data) }
        : { event: "done", done: MoveDone.decode(msg.data) };
      const moveId = outcome.event === "done" ? outcome.done.moveId : outcome.failed.moveId;
      seen.set(moveId, [...(seen.get(moveId) ?? []), outcome]);
      for (const wake of waiters.get(moveId) ?? []) wake(outcome);
      waiters.delete(moveId);
    },
  });
  await nc.flush();

  const outcomeOf = (moveId: string, timeoutMs = 20_000): Promise<MoveOutcome> => {
    const first = seen.get(moveId)?.[0];
    if (first !== undefined) return Promise.resolve(first);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no outcome for move ${moveId} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiters.set(moveId, [
        ...(waiters.get(moveId) ?? []),
        (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      ]);
    });
  };

  const database = await pgliteDatabaseFactory.open();
  const quiet = { write: () => true };
  const catalog = await runServices({
    services: [createCatalogService({ database: database.db })],
    config,
    handleSignals: false,
    logStream: quiet,
  });

  const mtx = createMtxChanger({ mtxPath: config.tools.mtx, device: config.device.library });
  const runs: MtxRun[] = [];
  const changers: RunningChanger[] = [];

  return {
    layout,
    config,
    libraryId,
    nc,
    js,
    kv,
    database,
    runs,
    mtx,
    async startChanger(name, options = {}) {
      const logs: Record<string, unknown>[] = [];
      const services = await runServices({
        services: [
          createChangerService({
            retryMs: 200,
            leaseTtlMs: 3_000,
            leasePollMs: 50,
            ackWaitMs: 3_000,
            holder: name,
            changer: recordingChanger(mtx, name, runs),
            ...options,
          }),
        ],
        config,
        handleSignals: false,
        logStream: {
          write: (line: string) => {
            logs.push(JSON.parse(line) as Record<string, unknown>);
            return true;
          },
        },
      });
      let stopped = false;
      const running: RunningChanger = {
        name,
        services,
        logs,
        async stop() {
          if (stopped) return;
          stopped = true;
          await services.stop();
        },
      };
      changers.push(running);
      return running;
    },
    async move(move, timeoutMs) {
      const outcome = outcomeOf(move.moveId, timeoutMs);
      await publishMove(js, libraryId, move);
      return await outcome;
    },
    outcomeOf,
    outcomesSeen: (moveId) => seen.get(moveId) ?? [],
    simCli,
    async close() {
      for (const changer of changers) await changer.stop();
      await catalog.stop();
      outcomes.unsubscribe();
      await nc.drain();
      await database.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` passes (it throws until then). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The done event of an outcome, or a failure naming the error it carried. */
export function doneOf(outcome: MoveOutcome): MoveDone {
  if (outcome.event === "done") return outcome.done;
  throw new Error(
    `expected the move to be done, but it failed: ${outcome.failed.error.code} ${outcome.failed.error.message}`,
  );
}

/** The failed event of an outcome, or a failure saying it was done. */
export function failedOf(outcome: MoveOutcome): MoveFailed {
  if (outcome.event === "failed") return outcome.failed;
  throw new Error(`expected the move to fail, but it was done: ${JSON.stringify(outcome.done)}`);
}

/** Drive `drive` of the harness's simulated library, with LTFS as the ltfs service runs it. */
export function ltfsDriveOf(harness: ChangerHarness, drive: number): LtfsDrive {
  const config = harness.config.device.drives[drive];
  if (config === undefined) throw new Error(`the simulator's configuration has no drive ${drive}`);
  return createLtfsDrive({
    tools: harness.config.tools,
    device: config.device,
    mountPoint: config.mountPoint,
    mountTable: harness.config.paths.mountTable,
  });
}

/** Lets go of a mount a test left behind (lazily: the test is over either way). */
export async function releaseMount(drive: LtfsDrive | undefined): Promise<void> {
  if (drive !== undefined && (await drive.isMounted().catch(() => false))) {
    await runCommand("umount", ["-l", drive.mountPoint]);
  }
}
