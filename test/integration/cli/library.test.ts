import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJob, startJobById } from "../../../services/catalog/db/index.ts";
import { createChangerService, updateDriveState } from "../../../services/changer/index.ts";
import { createGatewayService } from "../../../services/gateway/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import type { LtfsDrive } from "../../../shared/hardware/ltfs/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type ChangerHarness,
  doneOf,
  eventually,
  ltfsDriveOf,
  newJobId,
  newMoveId,
  releaseMount,
  startChangerHarness,
} from "../changer/support.ts";
import { connectCommandClient, uniqueLibraryId } from "../gateway/support.ts";
import { runInProcess, runSpawned, useConfigFile, writeTestConfig } from "./support.ts";

/*
 * `pytarchive library` against the real pieces: the simulated library, the changer and catalog
 * services, the gateway, a real nats-server. Drive 0 holds a tape loaded from slot 2 and mounted
 * with (the simulator's) LTFS, used by a running task; drive 1 is blocked as the changer blocks a
 * drive that refused twice to release its tape.
 */

let server: TestNatsServer;
let harness: ChangerHarness;
let gateway: RunningServices;
let drive0: LtfsDrive;
let taskId: string;
let restoreEnv: () => void;
const configFolders: string[] = [];
const BLOCK_REASON = "drive 1 refused twice to release LIB003L9 (medium removal prevented)";

beforeAll(async () => {
  server = await startNatsServer();
  // The simulator's 2 drives and 1 import/export slot (its defaults), 6 storage slots.
  harness = await startChangerHarness(server, {
    slots: 6,
    barcodes: ["LIB001L9", "LIB002L9", "LIB003L9"],
    cleaning: ["CLN001L1"],
    capacityMiB: 64,
  });
  const changer = await harness.startChanger("changer-library");
  await eventually(async () =>
    expect((await changer.services.health()).changer?.detail).toBe("inventory recorded"),
  );
  gateway = await runServices({
    services: [createGatewayService({ httpPort: null })],
    config: harness.config,
    handleSignals: false,
    logStream: { write: () => true },
  });

  doneOf(
    await harness.move({
      moveId: newMoveId("load"),
      jobId: newJobId(),
      kind: "load",
      barcode: "LIB002L9",
      drive: 0,
    }),
  );
  drive0 = ltfsDriveOf(harness, 0);
  await drive0.format({ volumeSerial: "LIB002" });
  await drive0.mount();

  const job = await createJob(harness.database.db, {
    libraryId: harness.libraryId,
    kind: "verify",
    args: { target: "LIB002L9" },
  });
  taskId = job.id;
  await startJobById(harness.database.db, taskId, { drive: 0 });

  await updateDriveState(harness.kv, harness.libraryId, 1, (state) => ({
    ...state,
    blocked: {
      code: "MTX_MEDIUM_REMOVAL_PREVENTED",
      reason: BLOCK_REASON,
      barcode: "LIB003L9",
      moveId: null,
      jobId: null,
      at: new Date().toISOString(),
    },
  }));

  const cli = writeTestConfig([
    "[NATS]",
    `url = ${server.url}`,
    `library_id = ${harness.libraryId}`,
  ]);
  configFolders.push(cli.folder);
  restoreEnv = useConfigFile(cli.file);
}, 180_000);

afterAll(async () => {
  restoreEnv?.();
  // A clean unmount first (LTFS writes its index); a lazy one if that fails.
  await drive0?.unmount().catch(() => {});
  await releaseMount(drive0);
  await gateway?.stop();
  await harness?.close();
  await server?.dispose();
  for (const folder of configFolders) rmSync(folder, { recursive: true, force: true });
});

describe("pytarchive library, asking the running pytarchive", () => {
  it("shows each drive with its tape, source slot, mount, task and block, then every slot", async () => {
    const result = await runInProcess(["library"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const out = result.stdout;
    expect(out).toContain(
      `Library ${harness.config.device.library}: 2 drives, 7 slots (1 import/export)\n`,
    );
    expect(out).toMatch(/^DRIVE +STATE +BARCODE +FROM SLOT +LTFS +TASK +NOTE$/m);
    expect(out).toMatch(new RegExp(`^0 +full +LIB002L9 +2 +mounted +${taskId} verify$`, "m"));
    expect(out).toMatch(/^1 +empty +- +- +not mounted +- +BLOCKED$/m);
    expect(out).toMatch(/^1 +full +LIB001L9$/m);
    expect(out).toMatch(/^2 +empty +-$/m);
    expect(out).toMatch(/^3 +full +LIB003L9$/m);
    expect(out).toMatch(/^4 +full +CLN001L1 +cleaning tape$/m);
    expect(out).toMatch(/^7 +empty +- +import\/export$/m);
    expect(out).toContain(`  drive 1: since `);
    expect(out).toContain(`${BLOCK_REASON} (MTX_MEDIUM_REMOVAL_PREVENTED)`);
    expect(out).toContain("`pytarchive clear-drive 1`");
    expect(out).toContain("Cleaning tapes: CLN001L1 (slot 4)\n");
    expect(out).not.toContain("Note:");
  });

  it("prints the same as JSON with --json", async () => {
    const result = await runInProcess(["library", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      device: harness.config.device.library,
      driveCount: 2,
      slotCount: 7,
      importExportCount: 1,
      truncated: false,
      notes: [],
    });
    expect(json.drives).toHaveLength(2);
    expect(json.drives[0]).toMatchObject({
      index: 0,
      full: true,
      barcode: "LIB002L9",
      sourceSlot: 2,
      cleaning: false,
      mountPoint: harness.config.device.drives[0]?.mountPoint,
      mounted: true,
      blocked: null,
      job: { id: taskId, kind: "verify", description: "Verifying tape LIB002L9" },
    });
    expect(json.drives[1]).toMatchObject({
      index: 1,
      full: false,
      barcode: null,
      sourceSlot: null,
      mounted: false,
      ltfsPids: [],
      blocked: { code: "MTX_MEDIUM_REMOVAL_PREVENTED", reason: BLOCK_REASON, barcode: "LIB003L9" },
      job: null,
    });
    expect(
      json.slots.map((slot: { index: number; barcode: string | null }) => [
        slot.index,
        slot.barcode,
      ]),
    ).toEqual([
      [1, "LIB001L9"],
      [2, null],
      [3, "LIB003L9"],
      [4, "CLN001L1"],
      [5, null],
      [6, null],
      [7, null],
    ]);
    expect(json.slots[3]).toMatchObject({ cleaning: true, importExport: false });
    expect(json.slots[6]).toMatchObject({ full: false, importExport: true });
  });

  it("says the changer is not running, and what to do, when nothing answers for the library", async () => {
    // A gateway for a library whose changer service is not running.
    const libraryId = uniqueLibraryId();
    const lonely = await runServices({
      services: [createGatewayService({ httpPort: null })],
      config: { ...harness.config, nats: { ...harness.config.nats, libraryId } },
      handleSignals: false,
      logStream: { write: () => true },
    });
    const cli = writeTestConfig(["[NATS]", `url = ${server.url}`, `library_id = ${libraryId}`]);
    configFolders.push(cli.folder);
    const client = await connectCommandClient(server.url, libraryId);
    try {
      const result = await runSpawned(["library"], { PYTARCHIVE_CONFIG: cli.file });
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(
        /^error: The library cannot be shown: pytarchive's changer service is not running/m,
      );
      expect(result.stderr).toMatch(/^hint: Start pytarchive .*--only changer/m);
      expect(result.stderr).toContain("pytarchive library --mtx-status-file status.txt");

      const refusal = await client.refused("library", {});
      expect(refusal.code).toBe("CHANGER_UNAVAILABLE");
      expect(refusal.hint).toContain("npm start");
    } finally {
      await client.close();
      await lonely.stop();
    }
  });

  it("shows the library without tasks, and says so, when the catalog does not answer", async () => {
    // Another library id on the same simulated robot: a changer and a gateway, no catalog.
    const libraryId = uniqueLibraryId();
    const config = { ...harness.config, nats: { ...harness.config.nats, libraryId } };
    const withoutCatalog = await runServices({
      services: [
        createChangerService({ retryMs: 60_000, changer: harness.mtx }),
        createGatewayService({ httpPort: null }),
      ],
      config,
      handleSignals: false,
      logStream: { write: () => true },
    });
    const cli = writeTestConfig(["[NATS]", `url = ${server.url}`, `library_id = ${libraryId}`]);
    configFolders.push(cli.folder);
    try {
      const result = await runSpawned(["library"], { PYTARCHIVE_CONFIG: cli.file });
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/^0 +full +LIB002L9 +2 +mounted +- *$/m);
      expect(result.stdout).toMatch(
        /^Note: The catalog did not answer \(.*catalog service is not running\.\): the tasks using the drives are not shown\.$/m,
      );
    } finally {
      await withoutCatalog.stop();
    }
  });
});
