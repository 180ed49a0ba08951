import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { changerLeaseKey, holdLibraryLease, publishMove } from "../../../services/changer/index.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import type { MoveRequest } from "../../../shared/messages/changer-moves.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type ChangerHarness,
  doneOf,
  eventually,
  type MtxRun,
  newJobId,
  newMoveId,
  type RunningChanger,
  startChangerHarness,
} from "./support.ts";

/*
 * Two changer instances for one library, each in its own runner with its own NATS connection,
 * both running mtx through recorders. Robot moves take 150 ms in this simulated library so that
 * overlapping commands would show. Each test has a library of its own (and its own library id on
 * the one NATS server), and starts the instances it needs: no test depends on another's.
 */

let server: TestNatsServer;
let harness: ChangerHarness;
const jobId = newJobId();
const TAPES = ["EEE001L9", "EEE002L9", "EEE003L9", "EEE004L9"] as const;

/** The first pair of runs (in start order) that overlap in time, or null. */
function firstOverlap(runs: readonly MtxRun[]): [MtxRun, MtxRun] | null {
  const ordered = [...runs].sort((a, b) => a.startedAt - b.startedAt);
  for (let index = 1; index < ordered.length; index++) {
    const before = ordered[index - 1] as MtxRun;
    const after = ordered[index] as MtxRun;
    if (after.startedAt < before.endedAt) return [before, after];
  }
  return null;
}

/** Starts `name` and waits until it holds the library lease and has recorded the inventory. */
async function startHolder(name: string): Promise<RunningChanger> {
  const changer = await harness.startChanger(name);
  await eventually(async () =>
    expect((await changer.services.health()).changer?.detail).toBe("inventory recorded"),
  );
  return changer;
}

/** Starts `name` and waits until it stands by behind the instance that holds the lease. */
async function startStandby(name: string): Promise<RunningChanger> {
  const changer = await harness.startChanger(name);
  await eventually(async () =>
    expect((await changer.services.health()).changer?.detail).toMatch(/^standby: /),
  );
  return changer;
}

beforeAll(async () => {
  server = await startNatsServer();
}, 120_000);

beforeEach(async () => {
  harness = await startChangerHarness(server, {
    drives: 2,
    slots: 6,
    importExportSlots: 1,
    barcodes: [...TAPES],
    moveDelayMs: 150,
  });
}, 120_000);

afterEach(async () => {
  await harness?.close();
});

afterAll(async () => {
  await server?.dispose();
});

describe("two changer instances for one library", () => {
  it("lets the first take the lease and keeps the second on standby", async () => {
    await startHolder("changer-a");
    const second = await harness.startChanger("changer-b");
    await eventually(async () =>
      expect((await second.services.health()).changer).toEqual({
        ok: true,
        detail: "standby: another changer instance (changer-a) holds the library lease",
      }),
    );
    expect(
      second.logs.find(
        (line) => line.msg === "another changer instance holds the library lease; standing by",
      ),
    ).toMatchObject({ heldBy: "changer-a" });
    const lease = (await harness.kv.get(changerLeaseKey(harness.libraryId)))?.json<{
      holder: string;
    }>();
    expect(lease?.holder).toBe("changer-a");
  });

  it("never runs two robot commands at once, and the second takes over when the first stops", async () => {
    const first = await startHolder("changer-a");
    const second = await startStandby("changer-b");
    // Three rounds of: load two tapes into the two drives, unload both.
    const moves: MoveRequest[] = [];
    for (const [a, b] of [
      [TAPES[0], TAPES[1]],
      [TAPES[2], TAPES[3]],
      [TAPES[1], TAPES[2]],
    ] as const) {
      moves.push(
        { moveId: newMoveId("load"), jobId, kind: "load", barcode: a, drive: 0 },
        { moveId: newMoveId("load"), jobId, kind: "load", barcode: b, drive: 1 },
        { moveId: newMoveId("unload"), jobId, kind: "unload", barcode: a },
        { moveId: newMoveId("unload"), jobId, kind: "unload", barcode: b },
      );
    }
    const outcomes = moves.map((move) => harness.outcomeOf(move.moveId, 60_000));
    for (const move of moves) await publishMove(harness.js, harness.libraryId, move);

    await Promise.all(outcomes.slice(0, 4));
    await first.stop();
    const done = (await Promise.all(outcomes)).map(doneOf);

    expect(done.map((d) => d.alreadyInPlace)).toEqual(moves.map(() => false));
    const runs = harness.runs;
    expect(runs).toHaveLength(12);
    expect(runs.every((run) => run.ok)).toBe(true);
    expect(firstOverlap(runs)).toBeNull();
    const byFirst = runs.filter((run) => run.instance === "changer-a");
    const bySecond = runs.filter((run) => run.instance === "changer-b");
    expect(byFirst.length).toBeGreaterThanOrEqual(4);
    expect(bySecond.length).toBeGreaterThan(0);
    const firstEnded = Math.max(...byFirst.map((run) => run.endedAt));
    expect(Math.min(...bySecond.map((run) => run.startedAt))).toBeGreaterThan(firstEnded);

    const status = await harness.mtx.status();
    expect(status.drives.map((drive) => drive.full)).toEqual([false, false]);
    expect(status.slots.slice(0, 4).map((slot) => slot.barcode)).toEqual([...TAPES]);
    await eventually(async () =>
      expect((await second.services.health()).changer?.detail).toBe("inventory recorded"),
    );
  });

  it("moves nothing in an instance that lost its lease; the move is done once by the holder", async () => {
    const holder = await startHolder("changer-b");
    const standby = await startStandby("changer-c");
    const runsBefore = harness.runs.length;
    // The lease is taken from changer-b behind its back (as if it had stalled past its lease).
    await harness.kv.put(
      changerLeaseKey(harness.libraryId),
      JSON.stringify({ holder: "someone-else", expiresAt: Date.now() - 1, acquiredAt: Date.now() }),
    );
    const moveId = newMoveId("load");
    const done = doneOf(
      await harness.move({ moveId, jobId, kind: "load", barcode: TAPES[3], drive: 1 }),
    );
    expect(done.alreadyInPlace).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(harness.outcomesSeen(moveId)).toHaveLength(1);
    const after = harness.runs.slice(runsBefore);
    expect(after.map((run) => [run.operation, ...run.args])).toEqual([["load", 4, 1]]);
    expect(firstOverlap(harness.runs)).toBeNull();
    expect(
      holder.logs.some(
        (line) =>
          line.msg === "lost the library lease; stopped taking moves and waiting to take it again",
      ),
    ).toBe(true);
    // One instance holds the lease and moves; the other stands by.
    await eventually(async () => {
      const details = [
        (await holder.services.health()).changer?.detail,
        (await standby.services.health()).changer?.detail,
      ];
      expect(details.filter((detail) => detail === "inventory recorded")).toHaveLength(1);
      expect(details.filter((detail) => detail?.startsWith("standby: "))).toHaveLength(1);
    });
  });
});

describe("the library lease", () => {
  it("refuses to fence a move once someone else wrote the lease, and does not release theirs", async () => {
    const key = `${changerLeaseKey(harness.libraryId)}-fence-test`;
    const lease = await holdLibraryLease(harness.kv, {
      key,
      holder: "holder-1",
      ttlMs: 10_000,
      log: createLogger({ service: "test", stream: { write: () => true } }),
    });
    const fenced = await lease.fence();
    expect(fenced.revision).toBeGreaterThan(0);
    await harness.kv.put(
      key,
      JSON.stringify({
        holder: "holder-2",
        expiresAt: Date.now() + 10_000,
        acquiredAt: Date.now(),
      }),
    );
    await expect(lease.fence()).rejects.toMatchObject({
      code: "LEASE_LOST",
      message: `The lease ${key} held by holder-1 was taken over by holder-2.`,
    });
    expect(lease.lost.aborted).toBe(true);
    await lease.release();
    expect((await harness.kv.get(key))?.json<{ holder: string }>().holder).toBe("holder-2");
  });
});
