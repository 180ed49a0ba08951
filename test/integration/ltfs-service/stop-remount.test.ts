import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDriveLocks } from "../../../services/ltfs/drive-locks.ts";
import {
  catalogTapeInDrive,
  remountAfterStop,
  type StopDrive,
  stopFailure,
  stopNotesFolder,
  unmountAtStop,
} from "../../../services/ltfs/stop-mounts.ts";
import { createLtfsDrive } from "../../../shared/hardware/ltfs/index.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import type { CatalogJob } from "../../../shared/messages/catalog-requests.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { writeShellScript } from "../../helpers/shell-script.ts";
import { type LtfsHarness, makeProject, startLtfsHarness } from "./support.ts";

/*
 * What the ltfs service does at a stop and at the next start, on the simulated library: it
 * unmounts each tape, noting which tape it was, and mounts only that tape again; a cartridge
 * swapped in while pytarchive was down is left unmounted, so that the job's next step fails
 * instead of writing onto it. An unmount that fails is an error, not a clean stop.
 */

const TAPE = "LTS011L9";
const OTHER = "LTS012L9";

let server: TestNatsServer;
let harness: LtfsHarness;
const lines: Record<string, unknown>[] = [];
const log = createLogger({
  service: "ltfs",
  level: "debug",
  stream: {
    write: (line: string) => {
      lines.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    },
  },
});

function driveZero(): StopDrive {
  const config = harness.config.device.drives.find((drive) => drive.element === 0);
  if (config === undefined) throw new Error("no drive 0");
  return { config, ltfs: harness.drive(0) };
}

async function stop(unmountPatienceMs = 1_000) {
  return await unmountAtStop({
    unmountPatienceMs,
    config: harness.config,
    drives: [driveZero()],
    locks: createDriveLocks(),
    log,
    tapeInDrive: catalogTapeInDrive(harness.catalog),
  });
}

async function start() {
  return await remountAfterStop({ config: harness.config, drives: [driveZero()], log });
}

let job: CatalogJob;

beforeAll(async () => {
  server = await startNatsServer();
  harness = await startLtfsHarness(server, { barcodes: [TAPE, OTHER] });
  // The other cartridge holds an LTFS volume of its own, as a swapped-in tape would.
  await harness.loadTape(2, 1);
  await harness.drive(1).format({ volumeSerial: "LTS012" });
  await harness.unloadTape(2, 1);

  await harness.loadTape(1, 0);
  const folder = await makeProject(harness.sources, "kappa");
  await harness.preparedFolder("kappa");
  job = await harness.startJob("archive", { folder, tape: TAPE, targetName: "projects_kappa" }, 0);
  expect((await harness.runStep(job, "mount")).outcome).toBe("done");
});

afterAll(async () => {
  await harness?.close();
  await server?.dispose();
});

describe("unmount at stop, mount again at start", () => {
  it("notes the tape's volume and the job's barcode, and mounts the same tape again read-write", async () => {
    const stopped = await stop();
    expect(stopped).toEqual({ unmounted: [0], failed: [] });
    expect(await harness.drive(0).isMounted()).toBe(false);
    const note = JSON.parse(
      await readFile(path.join(stopNotesFolder(harness.config), "drive-0.json"), "utf8"),
    ) as Record<string, unknown>;
    expect(note).toMatchObject({
      readOnly: false,
      barcode: TAPE,
      jobId: job.id,
      volumeSerial: "LTS011",
    });
    expect(note.volumeUuid).toMatch(/^[0-9a-f-]{36}$/);

    expect(await start()).toEqual([0]);
    expect((await harness.drive(0).currentMount())?.readOnly).toBe(false);
    // The job goes on where it was.
    expect((await harness.runStep(job, "write")).outcome).toBe("done");
  });

  it("leaves a tape swapped in while pytarchive was down unmounted, says so, and the job's next step fails", async () => {
    expect((await stop()).unmounted).toEqual([0]);
    await harness.unloadTape(1, 0);
    await harness.loadTape(2, 0);
    lines.length = 0;
    expect(await start()).toEqual([]);
    expect(await harness.drive(0).isMounted()).toBe(false);
    const said = lines.find((line) => line.level === "error");
    expect(said?.msg).toBe(
      `the tape in drive 0 is not the one the last stop unmounted: expected tape ${TAPE}, volume serial LTS011, UUID ${String((said?.expected as { volumeUuid?: string })?.volumeUuid)}, found volume serial LTS012, UUID ${String((said?.found as { volumeUuid?: string })?.volumeUuid)}; it was unmounted again and nothing was written to it`,
    );
    expect(said).toMatchObject({ jobId: job.id, barcode: TAPE, drive: 0 });
    expect(String(said?.hint)).toContain(`Put cartridge ${TAPE} back`);
    // Looked at read-only: never mounted read-write.
    expect(lines.some((line) => line.msg === "tape mounted" && line.readOnly === false)).toBe(
      false,
    );

    // A write of the job (its next attempt) finds nothing mounted and writes nothing.
    const again = await harness.retry(job, "write", 0);
    const write = await harness.runStep(again, "write");
    expect(write.outcome).toBe("failed");
    expect(write.error?.code).toBe("TAPE_NOT_MOUNTED");
    expect(await harness.drive(0).isMounted()).toBe(false);

    await harness.unloadTape(2, 0);
    await harness.loadTape(1, 0);
  });

  it("tries a busy unmount again for a while: a file closed a moment later does not leave the tape mounted", async () => {
    const drive = harness.drive(0);
    await drive.mount({ readOnly: true });
    // A reader that leaves the mount point two seconds after the stop began.
    const holder = spawn("sleep", ["2"], { cwd: drive.mountPoint, stdio: "ignore" });
    lines.length = 0;
    const stopped = await stop(30_000);
    expect(stopped).toEqual({ unmounted: [0], failed: [] });
    expect(await drive.isMounted()).toBe(false);
    expect(
      lines.some((line) => line.msg === "stopping: the mount is busy; trying the unmount again"),
    ).toBe(true);
    await new Promise((resolve) =>
      holder.exitCode === null ? holder.once("exit", resolve) : resolve(null),
    );
    // Nothing to mount again for a job: this was a plain read-only look.
    await start();
    if (await drive.isMounted()) await drive.unmount();
  });

  it("tries again an umount that a signal ended (a Ctrl-C reaching it): the tape does not stay mounted", async () => {
    const drive = harness.drive(0);
    await drive.mount({ readOnly: true });
    const scripts = await mkdtemp(path.join(tmpdir(), "pyt-umount-"));
    try {
      // The first umount is ended by SIGINT before it does anything, as a Ctrl-C would; later
      // ones are the real umount.
      const umount = writeShellScript(
        scripts,
        "umount",
        `if [ ! -e "${scripts}/interrupted" ]; then : > "${scripts}/interrupted"; kill -INT $$; sleep 5; fi\nexec umount "$@"`,
      );
      const { config } = driveZero();
      const interrupted = createLtfsDrive({
        tools: { ...harness.config.tools, umount },
        device: config.device,
        mountPoint: config.mountPoint,
        mountTable: harness.config.paths.mountTable,
      });
      lines.length = 0;
      const stopped = await unmountAtStop({
        config: harness.config,
        drives: [{ config, ltfs: interrupted }],
        locks: createDriveLocks(),
        log,
        unmountPatienceMs: 10_000,
      });
      expect(stopped).toEqual({ unmounted: [0], failed: [] });
      expect(await drive.isMounted()).toBe(false);
      const retried = lines.find(
        (line) => line.msg === "stopping: the unmount failed; trying it again",
      );
      expect(JSON.stringify(retried?.error)).toContain("SIGINT");
    } finally {
      await rm(scripts, { recursive: true, force: true });
    }
    await start();
    if (await drive.isMounted()) await drive.unmount();
  });

  it("reports a tape it could not unmount as an error naming the drive and mount point, and the stop as failed", async () => {
    const drive = harness.drive(0);
    await drive.mount({ readOnly: true });
    // A process working in the mount point keeps it busy: umount refuses.
    const holder = spawn("sleep", ["60"], { cwd: drive.mountPoint, stdio: "ignore" });
    try {
      lines.length = 0;
      const stopped = await stop();
      expect(stopped.unmounted).toEqual([]);
      expect(stopped.failed.map((failure) => [failure.drive, failure.mountPoint])).toEqual([
        [0, drive.mountPoint],
      ]);
      const said = lines.find((line) => line.level === "error");
      expect(said?.msg).toBe(
        `stopping: the tape in drive 0 could NOT be unmounted and may still be mounted at ${drive.mountPoint}; do not switch the host off or unload the tape until it is unmounted`,
      );
      expect(String(said?.hint)).toContain(`umount ${drive.mountPoint}`);
      const error = stopFailure(stopped.failed);
      expect(error.code).toBe("TAPE_LEFT_MOUNTED");
      expect(error.message).toContain(`drive 0 at ${drive.mountPoint}`);
    } finally {
      holder.kill("SIGKILL");
      await new Promise((resolve) => holder.once("exit", resolve));
    }
    expect(await drive.isMounted()).toBe(true);
    await drive.unmount();
  });
});
