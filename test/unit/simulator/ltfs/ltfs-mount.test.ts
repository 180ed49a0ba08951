import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { getAttributeSync } from "@napi-rs/xattr";
import { afterEach, describe, expect, it } from "vitest";
import { injectFault } from "../../../../infra/simulator/faults.ts";
import { realRun } from "./real-ltfs-runs.ts";
import {
  createTestLibrary,
  isRunning,
  messageIds,
  procMountsLine,
  recordedDaemonPid,
  runTool,
  type TestLibrary,
  umount,
  waitUntil,
} from "./simulated-drives.ts";

const libraries: TestLibrary[] = [];
afterEach(() => {
  for (const library of libraries.splice(0)) library.cleanup();
});

async function formattedLibrary(tape: Parameters<typeof createTestLibrary>[0]["tapes"][number]) {
  const library = createTestLibrary({ tapes: [tape], loaded: { 0: tape.barcode } });
  libraries.push(library);
  const format = await runTool("mkltfs", [
    "-q",
    "-d",
    library.device(0),
    "-s",
    tape.barcode.slice(0, 6),
  ]);
  expect(format.exitCode).toBe(0);
  return library;
}

function attribute(file: string, name: string): string | null {
  return getAttributeSync(file, `user.ltfs.${name}`)?.toString("utf8") ?? null;
}

function label(library: TestLibrary, barcode: string) {
  return JSON.parse(fs.readFileSync(path.join(library.tapeDir(barcode), "label.json"), "utf8")) as {
    volumeUUID: string;
    generation: number;
    indexPosition: number;
  };
}

describe("simulated ltfs", () => {
  it("refuses a blank tape with LTFS17168E and LTFS14013E, exit 1, nothing mounted", async () => {
    const library = createTestLibrary({
      tapes: [{ barcode: "BLK001L9" }],
      loaded: { 0: "BLK001L9" },
    });
    libraries.push(library);
    const run = await runTool("ltfs", [
      "-o",
      `devname=${library.device(0)}`,
      library.mountPoint(0),
    ]);
    const real = realRun(
      "03-mount-unformatted.txt",
      "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/BLANK1 /tmp/ltfs-mnt",
    );
    expect(run.exitCode).toBe(real.exitCode);
    expect(messageIds(run.stderr)).toEqual(real.ids);
    expect(run.stderr).toMatch(
      /^[0-9a-f]+ LTFS17168E Cannot read volume: medium is not partitioned\.$/m,
    );
    expect(procMountsLine(library.mountPoint(0))).toBeUndefined();
  });

  it("mounts, keeps its daemon writing the index after umount returns, and remounts read-only with startblocks in write order", async () => {
    const library = await formattedLibrary({ barcode: "LIF001L9", capacityMiB: 256 });
    const device = library.device(0);
    const mountPoint = library.mountPoint(0);
    const mount = await runTool("ltfs", ["-o", `devname=${device}`, mountPoint], {
      PYTARCHIVE_SIM_LTFS_INDEX_DELAY_MS: "800",
    });
    const real = realRun(
      "04-mount-copy-xattr-umount-remount.txt",
      "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/TAPE010 /tmp/ltfs-mnt",
    );
    expect(mount.exitCode).toBe(0);
    expect(messageIds(mount.stderr)).toEqual(real.ids);
    expect(mount.stderr).toMatch(
      /LTFS11031I Volume mounted successfully\. LIF001 : Gen = 1 \/ \(a, 5\) -> \(b, 5\) \/ SIMDRV0000\.\n/,
    );
    expect(procMountsLine(mountPoint)).toMatch(
      new RegExp(`^ltfs:${device} ${mountPoint} ext4 rw,`),
    );
    const daemon = recordedDaemonPid(library, 0);
    expect(daemon).not.toBeNull();
    const commandLine = fs.readFileSync(`/proc/${daemon}/cmdline`, "utf8").split("\0");
    expect(commandLine[0]).toBe("ltfs");
    expect(commandLine).toEqual(expect.arrayContaining(["-o", `devname=${device}`, mountPoint]));

    fs.writeFileSync(path.join(mountPoint, "hello.txt"), "hello world");
    fs.mkdirSync(path.join(mountPoint, "photos", "2024"), { recursive: true });
    fs.writeFileSync(
      path.join(mountPoint, "photos", "2024", "big.bin"),
      Buffer.alloc(5_000_000, 7),
    );
    fs.writeFileSync(
      path.join(mountPoint, "photos", "2024", "exact1MiB.bin"),
      Buffer.alloc(1 << 20),
    );
    fs.writeFileSync(path.join(mountPoint, "empty.txt"), "");
    fs.writeFileSync(path.join(mountPoint, "last.txt"), "x");

    umount(mountPoint);
    // umount has returned, but the tape is not free yet: the daemon is writing the index.
    expect(isRunning(daemon as number)).toBe(true);
    expect(recordedDaemonPid(library, 0)).toBe(daemon);
    expect(await waitUntil(() => !isRunning(daemon as number), 20_000)).toBe(true);
    expect(recordedDaemonPid(library, 0)).toBeNull();
    expect(fs.readdirSync(library.tapeDir("LIF001L9")).sort()).toEqual([
      "label.json",
      "medium.img",
    ]);
    expect(label(library, "LIF001L9")).toMatchObject({ generation: 2, indexPosition: 22 });

    const remount = await runTool("ltfs", ["-o", `devname=${device}`, "-o", "ro", mountPoint]);
    expect(remount.exitCode).toBe(0);
    expect(remount.stderr).toContain("LIF001 : Gen = 2 / (a, 5) -> (b, 22) / SIMDRV0000.");
    expect(procMountsLine(mountPoint)).toMatch(/ ext4 ro,/);
    expect(fs.readFileSync(path.join(mountPoint, "hello.txt"), "utf8")).toBe("hello world");
    expect(fs.statSync(path.join(mountPoint, "photos", "2024", "big.bin")).size).toBe(5_000_000);
    const startBlocks = [
      "hello.txt",
      "photos/2024/big.bin",
      "photos/2024/exact1MiB.bin",
      "last.txt",
    ].map((file) => attribute(path.join(mountPoint, file), "startblock"));
    // 7: first data block after the index at b:5; big.bin takes 10 blocks, exact1MiB.bin 2.
    expect(startBlocks).toEqual(["7", "8", "18", "20"]);
    expect(attribute(path.join(mountPoint, "last.txt"), "partition")).toBe("b");
    expect(attribute(path.join(mountPoint, "empty.txt"), "startblock")).toBeNull();
    expect(attribute(path.join(mountPoint, "empty.txt"), "partition")).toBeNull();
    expect(attribute(path.join(mountPoint, "photos"), "startblock")).toBeNull();
    expect(attribute(path.join(mountPoint, "hello.txt"), "volumeUUID")).toBe(
      label(library, "LIF001L9").volumeUUID,
    );
    expect(() => fs.writeFileSync(path.join(mountPoint, "new.txt"), "no")).toThrow(/EROFS/);

    const roDaemon = recordedDaemonPid(library, 0) as number;
    umount(mountPoint);
    expect(await waitUntil(() => !isRunning(roDaemon), 20_000)).toBe(true);
    expect(label(library, "LIF001L9").generation).toBe(2);
  }, 90_000);

  it("fails writes with ENOSPC once the cartridge is full", async () => {
    const library = await formattedLibrary({ barcode: "FUL001L9", capacityMiB: 64 });
    const mountPoint = library.mountPoint(0);
    expect(
      (await runTool("ltfs", ["-o", `devname=${library.device(0)}`, mountPoint])).exitCode,
    ).toBe(0);
    const file = path.join(mountPoint, "too-big.bin");
    const descriptor = fs.openSync(file, "w");
    const chunk = Buffer.alloc(1 << 20, 1);
    let written = 0;
    let failure: NodeJS.ErrnoException | null = null;
    try {
      for (let i = 0; i < 100; i += 1) written += fs.writeSync(descriptor, chunk);
      fs.fsyncSync(descriptor);
    } catch (error) {
      failure = error as NodeJS.ErrnoException;
    } finally {
      fs.closeSync(descriptor);
    }
    expect(failure?.code).toBe("ENOSPC");
    expect(written).toBeGreaterThan(40 << 20);
    expect(written).toBeLessThan(64 << 20);
    umount(mountPoint);
  }, 60_000);

  it("exits 0 without mounting when the mount point is not empty, as real ltfs does", async () => {
    const library = await formattedLibrary({ barcode: "NEM001L9" });
    const mountPoint = library.mountPoint(0);
    fs.writeFileSync(path.join(mountPoint, "stray.txt"), "left here");
    const run = await runTool("ltfs", ["-o", `devname=${library.device(0)}`, mountPoint]);
    const real = realRun(
      "06-mount-twice.txt",
      "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/TAPE021 /tmp/ltfs-mnt-nonempty",
    );
    expect(run.exitCode).toBe(0);
    expect(messageIds(run.stderr)).toEqual(real.ids);
    expect(run.stderr).toContain(
      "fuse: mountpoint is not empty\nfuse: if you are sure this is safe, use the 'nonempty' mount option\n",
    );
    expect(run.stderr).toMatch(/LTFS14123W The main function of FUSE returned error \(1\)\.\n$/);
    expect(procMountsLine(mountPoint)).toBeUndefined();
    expect(recordedDaemonPid(library, 0)).toBeNull();
  });

  it("fails with LTFS14094E when the mount point does not exist", async () => {
    const library = await formattedLibrary({ barcode: "NMP001L9" });
    const missing = path.join(library.stateDir, "no-such-mnt");
    const run = await runTool("ltfs", ["-o", `devname=${library.device(0)}`, missing]);
    expect(run.exitCode).toBe(1);
    expect(messageIds(run.stderr)).toEqual(
      realRun(
        "03-mount-unformatted.txt",
        "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/TAPE001 /tmp/ltfs-no-such-mnt",
      ).ids,
    );
    expect(run.stderr).toContain(
      `fuse: bad mount point \`${missing}': No such file or directory\n`,
    );
  });

  it("mounts a write-protected cartridge read-only with LTFS14019I", async () => {
    const library = createTestLibrary({
      tapes: [{ barcode: "WPR001L9", writeProtected: true }],
      loaded: { 0: "WPR001L9" },
    });
    libraries.push(library);
    // Formatted before the tab was set: write the label with a second, writable library view.
    const writable = JSON.parse(
      fs.readFileSync(path.join(library.stateDir, "library.json"), "utf8"),
    );
    writable.cartridges.WPR001L9.writeProtected = false;
    fs.writeFileSync(path.join(library.stateDir, "library.json"), JSON.stringify(writable));
    expect((await runTool("mkltfs", ["-q", "-d", library.device(0)])).exitCode).toBe(0);
    writable.cartridges.WPR001L9.writeProtected = true;
    fs.writeFileSync(path.join(library.stateDir, "library.json"), JSON.stringify(writable));

    const mountPoint = library.mountPoint(0);
    const run = await runTool("ltfs", ["-o", `devname=${library.device(0)}`, mountPoint]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/LTFS14019I Medium is write protected\. Mounting read-only\.\n/);
    expect(procMountsLine(mountPoint)).toMatch(/ ext4 ro,/);
    expect(() => fs.mkdirSync(path.join(mountPoint, "new"))).toThrow(/EROFS/);
    umount(mountPoint);
  });

  it("fails with LTFS10004E, exit 1, when a mount failure is injected", async () => {
    const library = await formattedLibrary({ barcode: "MNF001L9" });
    injectFault(library.stateDir, { kind: "mount-failure", tool: "ltfs", driveIndex: 0, times: 1 });
    const run = await runTool("ltfs", [
      "-o",
      `devname=${library.device(0)}`,
      library.mountPoint(0),
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/LTFS12012E Cannot open device: failed backend open call\.\n/);
    expect(run.stderr).toContain(`LTFS10004E Cannot open device '${library.device(0)}'.\n`);
    expect(procMountsLine(library.mountPoint(0))).toBeUndefined();
  });

  it("serves the mount itself with -f and exits 0 once the index is written after umount", async () => {
    const library = await formattedLibrary({ barcode: "FGR001L9" });
    const mountPoint = library.mountPoint(0);
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx/esm",
        "infra/simulator/ltfs/ltfs.ts",
        "-f",
        "-o",
        `devname=${library.device(0)}`,
        mountPoint,
      ],
      {
        cwd: path.resolve(import.meta.dirname, "../../../.."),
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(await waitUntil(() => procMountsLine(mountPoint) !== undefined, 20_000)).toBe(true);
    expect(recordedDaemonPid(library, 0)).toBe(child.pid);
    fs.writeFileSync(path.join(mountPoint, "one.txt"), "1");
    umount(mountPoint);
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(
      /LTFS17236I Wrote index of FGR001 \(Gen = 2, Part = b, Pos = 9, SIMDRV0000\)\.\n/,
    );
    expect(stderr).toMatch(/LTFS11034I Volume unmounted successfully\.\n$/);
    expect(recordedDaemonPid(library, 0)).toBeNull();
  }, 60_000);
});
