import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulatedLibrary } from "../../../infra/simulator/create-library.ts";
import type { SimulatorLayout } from "../../../infra/simulator/layout.ts";
import { getTape } from "../../../services/catalog/db/index.ts";
import { createCatalogService } from "../../../services/catalog/index.ts";
import { createChangerService, inventoryOf } from "../../../services/changer/index.ts";
import { createGatewayService } from "../../../services/gateway/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import { isTransientError } from "../../../shared/errors/index.ts";
import { parseMtxStatus } from "../../../shared/hardware/mtx/index.ts";
import {
  ChangerStatusReply,
  ChangerStatusRequest,
} from "../../../shared/messages/changer-status.ts";
import { subjects } from "../../../shared/messages/index.ts";
import { request } from "../../../shared/nats/index.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type CommandClient,
  connectCommandClient,
  makeScratch,
  testConfig,
  uniqueLibraryId,
} from "../gateway/support.ts";

function mtxFixture(name: string) {
  return parseMtxStatus(
    readFileSync(new URL(`../../fixtures/real/mtx/${name}`, import.meta.url), "utf8"),
  );
}

describe("inventoryOf on real mtx status outputs", () => {
  it("status-hera-2drv-24slot-1ie-lto9-two-drives-same-source-slot: a loaded tape's home is its source slot", () => {
    const { cartridges, skipped } = inventoryOf(
      mtxFixture("status-hera-2drv-24slot-1ie-lto9-two-drives-same-source-slot.txt"),
    );
    expect(cartridges.slice(0, 4)).toEqual([
      { barcode: "042142L9", homeSlot: 8, cleaning: false },
      { barcode: "HER002L9", homeSlot: 8, cleaning: false },
      { barcode: "HER006L9", homeSlot: 1, cleaning: false },
      { barcode: "HER009L9", homeSlot: 2, cleaning: false },
    ]);
    expect(skipped).toEqual([]);
  });

  it("status-pbs-test-2drv-24slot-4ie-cln-cu: CU cartridges are cleaning tapes, lower-case labels are left out with a reason", () => {
    const { cartridges, skipped } = inventoryOf(
      mtxFixture("status-pbs-test-2drv-24slot-4ie-cln-cu.txt"),
    );
    expect(cartridges).toEqual([
      { barcode: "CLN002CU", homeSlot: 1, cleaning: true },
      { barcode: "CLN001CU", homeSlot: 4, cleaning: true },
    ]);
    expect(skipped).toEqual([
      'slot 2: barcode "test22L1" is not 1-32 capital letters and digits',
      'slot 3: barcode "test23L1" is not 1-32 capital letters and digits',
      'slot 5: barcode "test1" is not 1-32 capital letters and digits',
    ]);
  });
});

let server: TestNatsServer;
let database: TestCatalogDatabase;
const scratch = makeScratch();

beforeAll(async () => {
  server = await startNatsServer();
  database = await pgliteDatabaseFactory.open();
});

afterAll(async () => {
  await database?.close();
  await server?.dispose();
  scratch.remove();
});

function withLibrary(
  config: PytarchiveConfig,
  changerDevice: string,
  mtx: string,
): PytarchiveConfig {
  return {
    ...config,
    device: { ...config.device, library: changerDevice },
    tools: { ...config.tools, mtx },
  };
}

async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe("the changer's inventory on a simulated library", () => {
  let layout: SimulatorLayout;
  let services: RunningServices;
  let client: CommandClient;
  const libraryId = uniqueLibraryId();

  beforeAll(async () => {
    layout = await createSimulatedLibrary({
      stateDir: join(scratch.root, "library"),
      drives: 2,
      slots: 6,
      importExportSlots: 1,
      barcodes: ["SIM001L9", "SIM002L9", "SIM003L9"],
      cleaning: ["CLN001L1"],
      loaded: [{ drive: 1, slot: 2 }],
      moveDelayMs: 0,
    });
    const config = withLibrary(
      testConfig({ libraryId, natsUrl: server.url, stateDir: scratch.folder("state") }),
      layout.changerDevice,
      join(layout.binDir, "mtx"),
    );
    services = await runServices({
      services: [
        createCatalogService({ database: database.db }),
        createChangerService({ retryMs: 200 }),
        createGatewayService({ httpPort: null }),
      ],
      config,
      handleSignals: false,
      logStream: { write: () => true },
    });
    client = await connectCommandClient(server.url, libraryId);
  });

  afterAll(async () => {
    await client?.close();
    await services?.stop();
  });

  it("records every cartridge with its home slot and cleaning flag, and reports healthy", async () => {
    await eventually(async () => {
      expect((await services.health()).changer).toEqual({ ok: true, detail: "inventory recorded" });
    });
    const tapes = await database.db
      .selectFrom("tapes")
      .select(["barcode", "homeSlot", "cleaning"])
      .orderBy("barcode")
      .execute();
    expect(tapes).toEqual([
      { barcode: "CLN001L1", homeSlot: 4, cleaning: true },
      { barcode: "SIM001L9", homeSlot: 1, cleaning: false },
      { barcode: "SIM002L9", homeSlot: 2, cleaning: false },
      { barcode: "SIM003L9", homeSlot: 3, cleaning: false },
    ]);
    expect((await getTape(database.db, "SIM002L9"))?.lastSeenAt).toBeInstanceOf(Date);
  });

  it("answers changer.status with the library as mtx shows it", async () => {
    const reply = await request(
      client.nc,
      subjects(libraryId).changerStatus,
      {},
      {
        request: ChangerStatusRequest,
        reply: ChangerStatusReply,
        service: "changer",
      },
    );
    expect(reply.library.drives.map((d) => [d.index, d.barcode, d.sourceSlot])).toEqual([
      [0, null, null],
      [1, "SIM002L9", 2],
    ]);
    expect(reply.library.slots.filter((slot) => slot.full).map((slot) => slot.barcode)).toEqual([
      "SIM001L9",
      "SIM003L9",
      "CLN001L1",
    ]);
    expect(reply.library.importExportCount).toBe(1);
  });

  it("lets `pytarchive tapes` show where each cartridge is now", async () => {
    const reply = await client.send("tapes", {});
    expect(reply.tapes.map((t) => [t.barcode, t.location, t.slot, t.drive, t.cleaning])).toEqual([
      ["CLN001L1", "slot", 4, null, true],
      ["SIM001L9", "slot", 1, null, false],
      ["SIM002L9", "drive", null, 1, false],
      ["SIM003L9", "slot", 3, null, false],
    ]);
  });

  it("refuses to explore the cleaning cartridge it found", async () => {
    const error = await client.refused("explore", { tape: "CLN001L1" });
    expect(error.code).toBe("CLEANING_TAPE");
  });
});

describe("a changer whose mtx fails", () => {
  it("stays up, logs the error clearly, reports unhealthy and answers status with mtx's own code (not a transient CHANGER_UNAVAILABLE)", async () => {
    const libraryId = uniqueLibraryId();
    const lines: Record<string, unknown>[] = [];
    const config = withLibrary(
      testConfig({ libraryId, natsUrl: server.url, stateDir: scratch.folder("state-broken") }),
      join(scratch.root, "no-such-changer"),
      join(scratch.root, "library", "bin", "mtx"),
    );
    const services = await runServices({
      services: [createChangerService({ retryMs: 60_000 })],
      config,
      handleSignals: false,
      logStream: {
        write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
      },
    });
    const client = await connectCommandClient(server.url, libraryId);
    try {
      const health = await eventually(async () => {
        const report = (await services.health()).changer;
        expect(report?.detail).toMatch(/^mtx status failed: /);
        return report;
      });
      expect(health?.ok).toBe(false);
      const logged = lines.find((line) => line.msg === "cannot read the tape library");
      expect(logged).toMatchObject({
        level: "error",
        service: "changer",
        device: join(scratch.root, "no-such-changer"),
      });
      const error = await request(
        client.nc,
        subjects(libraryId).changerStatus,
        {},
        {
          reply: ChangerStatusReply,
          service: "changer",
        },
      ).catch((e) => e);
      // A wrong `[Device] library` is not cured by asking again: the scheduler must not wait on it.
      expect(error).toMatchObject({
        code: "MTX_DEVICE_OPEN_FAILED",
        message: expect.stringMatching(/^The tape library cannot be read: .*no-such-changer/),
        hint: expect.stringContaining("[Device] library"),
        status: 500,
      });
      expect(isTransientError(error)).toBe(false);
    } finally {
      await client.close();
      await services.stop();
    }
  });
});
