import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getAttribute } from "@napi-rs/xattr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulatedLibrary } from "../../../infra/simulator/create-library.ts";
import type { PytarchiveConfig } from "../../../shared/config/index.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { createLtfsDrive, type LtfsDrive } from "../../../shared/hardware/ltfs/index.ts";
import { findMount, readMountTable } from "../../../shared/hardware/mounts/index.ts";
import {
  createMtxChanger,
  findTape,
  isCleaningTape,
  type MtxChanger,
  MtxMediumRemovalPreventedError,
} from "../../../shared/hardware/mtx/index.ts";

/**
 * The product's view of a simulated library: everything below goes through the exec helper,
 * the configuration reader, the adapters and the parsers, exactly as the services will.
 */

const SIM_CLI = path.resolve("bin/pytarchive-sim.mjs");
const TAPE = "AAK780L9";
const OTHER_TAPE = "AAK781L9";
const CAPACITY_MIB = 64;

let stateDir: string;
let config: PytarchiveConfig;
let changer: MtxChanger;
let drives: LtfsDrive[];

function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Gone, or a zombie (exited, waiting for init to reap it — as the README of real-ltfs notes). */
function processHasExited(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

async function simCli(...args: string[]): Promise<string> {
  const result = await runCommand(process.execPath, [SIM_CLI, ...args]);
  return expectExit(result).stdout;
}

beforeAll(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-seam-"));
  await createSimulatedLibrary({
    stateDir,
    drives: 2,
    slots: 24,
    importExportSlots: 1,
    barcodes: [TAPE, OTHER_TAPE, "AAK782L9"],
    cleaning: ["CLN001L1"],
    capacityMiB: CAPACITY_MIB,
  });
  // The configuration the simulator tells an operator to paste into pytarchive.conf.
  const simulatorLines = await simCli("env", "--state", stateDir);
  config = parseConfig(simulatorLines, "pytarchive.conf", {});
  changer = createMtxChanger({ mtxPath: config.tools.mtx, device: config.device.library });
  drives = config.device.drives.map((drive) =>
    createLtfsDrive({
      tools: config.tools,
      device: drive.device,
      mountPoint: drive.mountPoint,
      mountTable: config.paths.mountTable,
      mountOptions: config.ltfs.mountOptions,
    }),
  );
}, 120_000);

afterAll(async () => {
  for (const drive of drives ?? []) {
    if (await drive.isMounted()) await runCommand("umount", ["-l", drive.mountPoint]);
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
});

describe("a simulated 2-drive, 24-slot library through the exec helper and the parsers", () => {
  const written: { name: string; sha256: string; size: number }[] = [];
  let homeSlot: number;

  it("reports its drives, slots, import/export slot and cleaning tape as mtx status", async () => {
    const status = await changer.status();
    expect(status.drives.map((drive) => drive.full)).toEqual([false, false]);
    expect(status.slots).toHaveLength(25);
    expect(status.slots.filter((slot) => slot.importExport).map((slot) => slot.index)).toEqual([
      25,
    ]);
    const cleaning = status.slots.filter((slot) => isCleaningTape(slot.barcode));
    expect(cleaning.map((slot) => slot.barcode)).toEqual(["CLN001L1"]);
    const where = findTape(status, TAPE);
    expect(where?.kind).toBe("slot");
    homeSlot = where?.kind === "slot" ? where.slot : Number.NaN;
    expect(Number.isInteger(homeSlot)).toBe(true);
  });

  it("loads a blank tape, which LTFS refuses to mount until it is formatted", async () => {
    await changer.load(homeSlot, 0);
    const status = await changer.status();
    expect(status.drives[0]).toMatchObject({ full: true, barcode: TAPE, sourceSlot: homeSlot });
    expect(status.slots.find((slot) => slot.index === homeSlot)?.full).toBe(false);

    const drive = drives[0] as LtfsDrive;
    await expect(drive.mount()).rejects.toMatchObject({ code: "LTFS_TAPE_NOT_FORMATTED" });
    const formatted = await drive.format({ volumeSerial: TAPE.slice(0, 6) });
    expect(formatted.volumeSerial).toBe("AAK780");
    await expect(drive.format({ volumeSerial: "AAK780" })).rejects.toMatchObject({
      code: "LTFS_TAPE_ALREADY_FORMATTED",
    });
  });

  it("mounts, and writing past the tape's capacity fails with ENOSPC", async () => {
    const drive = drives[0] as LtfsDrive;
    const mount = await drive.mount();
    expect(mount.readOnly).toBe(false);
    const entry = findMount(await readMountTable(config.paths.mountTable), drive.mountPoint);
    expect(entry?.mountPoint).toBe(drive.mountPoint);

    fs.mkdirSync(path.join(drive.mountPoint, "project one"));
    const emptyFile = path.join(drive.mountPoint, "project one", "empty.txt");
    fs.writeFileSync(emptyFile, "");
    const chunk = Buffer.alloc(1024 * 1024);
    let failure: NodeJS.ErrnoException | null = null;
    for (let index = 0; index < CAPACITY_MIB * 2 && failure === null; index++) {
      const name = `part-${String(index).padStart(3, "0")}.bin`;
      chunk.fill(index % 251);
      try {
        fs.writeFileSync(path.join(drive.mountPoint, "project one", name), chunk);
        written.push({
          name,
          sha256: createHash("sha256").update(chunk).digest("hex"),
          size: chunk.length,
        });
      } catch (error) {
        failure = error as NodeJS.ErrnoException;
      }
    }
    expect(failure?.code).toBe("ENOSPC");
    // Most of the capacity was usable before the tape was full.
    expect(written.length).toBeGreaterThan(CAPACITY_MIB / 2);
    expect(written.length).toBeLessThan(CAPACITY_MIB);
  });

  it("unmounts only once the LTFS process has written the index and exited", async () => {
    const drive = drives[0] as LtfsDrive;
    const result = await drive.unmount();
    expect(result.wasMounted).toBe(true);
    expect(result.ltfsPids.length).toBeGreaterThan(0);
    for (const pid of result.ltfsPids) {
      expect(processHasExited(pid)).toBe(true);
    }
    expect(await drive.isMounted()).toBe(false);
  });

  it("unloads the tape to its home slot and loads it into the other drive", async () => {
    await changer.unload(0, homeSlot);
    await changer.load(homeSlot, 1);
    const status = await changer.status();
    expect(status.drives[0]?.full).toBe(false);
    expect(status.drives[1]).toMatchObject({ full: true, barcode: TAPE, sourceSlot: homeSlot });
  });

  it("shows the data and start-block attributes on the other drive, in write order", async () => {
    const drive = drives[1] as LtfsDrive;
    const mount = await drive.mount({ readOnly: true });
    expect(mount.readOnly).toBe(true);
    const folder = path.join(drive.mountPoint, "project one");
    const startBlocks: number[] = [];
    for (const file of written) {
      const onTape = path.join(folder, file.name);
      expect(fs.statSync(onTape).size).toBe(file.size);
      expect(sha256(onTape)).toBe(file.sha256);
      const startBlock = await getAttribute(onTape, "user.ltfs.startblock");
      const partition = await getAttribute(onTape, "user.ltfs.partition");
      expect(partition?.toString()).toBe("b");
      startBlocks.push(Number(startBlock?.toString()));
    }
    expect(startBlocks.every(Number.isInteger)).toBe(true);
    expect([...startBlocks].sort((a, b) => a - b)).toEqual(startBlocks);
    expect(new Set(startBlocks).size).toBe(startBlocks.length);
    // As on real LTFS, a file without data has no start block.
    expect(await getAttribute(path.join(folder, "empty.txt"), "user.ltfs.startblock")).toBeNull();
    await drive.unmount();
  });

  it("surfaces an injected Request Sense 53/03 on unload as the typed error with the original's advice", async () => {
    await simCli("fault", "--state", stateDir, "--mtx-sense", "unload:53/03");
    const error = await changer.unload(1, homeSlot).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MtxMediumRemovalPreventedError);
    const prevented = error as MtxMediumRemovalPreventedError;
    expect(prevented.asc).toBe(0x53);
    expect(prevented.ascq).toBe(0x03);
    expect(prevented.hint).toContain("DO NOT POWER CYCLE THE LIBRARY");
    // The fault fired once; the tape is still in the drive and now unloads home.
    await changer.unload(1, homeSlot);
    const status = await changer.status();
    expect(status.slots.find((slot) => slot.index === homeSlot)?.barcode).toBe(TAPE);
  });
});
