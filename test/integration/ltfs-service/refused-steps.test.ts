import fs from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readLibrary,
  withLibraryLock,
  writeLibrary,
} from "../../../infra/simulator/library-state.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { type LtfsHarness, makeProject, startLtfsHarness } from "./support.ts";

/*
 * Steps the LTFS service refuses before it writes or reads anything: a folder the catalog does
 * not have (any more), a blank tape asked to be read, a write-protected tape asked to be written.
 */

const BLANK = "LTR001L9";
const FRESH = "LTR002L9";

let server: TestNatsServer;
let harness: LtfsHarness;

beforeAll(async () => {
  server = await startNatsServer();
  harness = await startLtfsHarness(server, { barcodes: [BLANK, FRESH], capacityMiB: 128 });
});

afterAll(async () => {
  await harness?.close();
  await server?.dispose();
});

describe("steps refused before anything is written or read", () => {
  it("refuses to read a blank tape (TAPE_BLANK), and formats nothing", async () => {
    await harness.loadTape(1, 0);
    const job = await harness.startJob("explore", { tape: BLANK, seconds: 60 }, 0);
    const result = await harness.runStep(job, "mount");
    expect(result.outcome).toBe("failed");
    expect(result.error?.code).toBe("TAPE_BLANK");
    expect(await fs.readdir(harness.layout.tapeDir(BLANK))).toEqual([]);
    expect(await harness.drive(0).isMounted()).toBe(false);
    expect((await harness.runStep(job, "unmount")).outcome).toBe("done");
    await harness.unloadTape(1, 0);
  });

  it("refuses to write a folder the catalog does not have (FOLDER_NOT_READY), and writes nothing", async () => {
    await harness.loadTape(2, 1);
    const folder = await makeProject(harness.sources, "withdrawn");
    await harness.preparedFolder("withdrawn");
    const job = await harness.startJob(
      "archive",
      { folder, tape: FRESH, targetName: "withdrawn" },
      1,
    );
    // The folder leaves the catalog after the job was queued (as an aborted prepare leaves it).
    await harness.database.db.deleteFrom("folders").where("path", "=", folder).execute();
    expect((await harness.runStep(job, "mount")).outcome).toBe("done");
    const result = await harness.runStep(job, "write");
    expect(result.outcome).toBe("failed");
    expect(result.error).toMatchObject({
      code: "FOLDER_NOT_READY",
      message: `${folder} is not in the catalog, so it cannot be archived; nothing was written.`,
    });
    expect(await fs.readdir(harness.drive(1).mountPoint)).not.toContain("withdrawn");
    expect((await harness.runStep(job, "unmount")).outcome).toBe("done");
  });

  it("refuses to write to a formatted tape LTFS mounts read-only (TAPE_READ_ONLY)", async () => {
    // FRESH was formatted by the test before; now its write-protect tab is slid to locked.
    await harness.unloadTape(2, 1);
    withLibraryLock(harness.layout.stateDir, () => {
      const library = readLibrary(harness.layout.stateDir);
      const cartridge = library.cartridges[FRESH];
      if (cartridge === undefined) throw new Error(`${FRESH} is not in the simulated library`);
      library.cartridges[FRESH] = { ...cartridge, writeProtected: true };
      writeLibrary(harness.layout.stateDir, library);
    });
    await harness.loadTape(2, 1);
    const folder = await makeProject(harness.sources, "locked-out");
    await harness.preparedFolder("locked-out");
    const job = await harness.startJob("archive", { folder, tape: FRESH, targetName: "locked" }, 1);
    const result = await harness.runStep(job, "mount");
    expect(result.outcome).toBe("failed");
    expect(result.error?.code).toBe("TAPE_READ_ONLY");
    expect(result.error?.message).toContain(`LTFS mounted tape ${FRESH} in drive 1 read-only`);
    expect((await harness.runStep(job, "unmount")).outcome).toBe("done");
    expect(await harness.drive(1).isMounted()).toBe(false);
  });
});
