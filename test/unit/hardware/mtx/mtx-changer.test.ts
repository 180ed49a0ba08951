import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CommandTimeoutError } from "../../../../shared/exec/index.ts";
import {
  createMtxChanger,
  MtxDeviceBusyError,
  MtxInvalidArgumentError,
  MtxMediumRemovalPreventedError,
  MtxNotReadyError,
  MtxSlotFullError,
  MtxSourceEmptyError,
} from "../../../../shared/hardware/mtx/index.ts";
import { readMtxFixture } from "./read-fixture.ts";

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pytarchive-fake-mtx-"));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes an executable `mtx` that records its arguments (one per line), prints `stdout` and
 * `stderr` and exits with `exitCode`, like the real one would for the captured output.
 */
function fakeMtx(output: { stdout?: string; stderr?: string; exitCode: number }): string {
  fs.writeFileSync(path.join(dir, "stdout.txt"), output.stdout ?? "");
  fs.writeFileSync(path.join(dir, "stderr.txt"), output.stderr ?? "");
  const script = path.join(dir, "mtx");
  fs.writeFileSync(
    script,
    [
      "#!/bin/sh",
      'here=$(dirname "$0")',
      'printf "%s\\n" "$@" > "$here/args.txt"',
      'cat "$here/stdout.txt"',
      'cat "$here/stderr.txt" >&2',
      `exit ${output.exitCode}`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return script;
}

function argsSent(): string[] | null {
  const file = path.join(dir, "args.txt");
  if (!fs.existsSync(file)) return null;
  return fs.readFileSync(file, "utf8").split("\n").slice(0, -1);
}

describe("createMtxChanger", () => {
  it("status runs `mtx -f <device> status` and parses what it prints", async () => {
    const mtxPath = fakeMtx({
      stdout: readMtxFixture("status-pytarchive-1drv-24slot-lto9-drive-loaded-trailing-spaces.txt"),
      exitCode: 0,
    });
    const changer = createMtxChanger({ mtxPath, device: "/dev/sch0" });
    const status = await changer.status();
    expect(argsSent()).toEqual(["-f", "/dev/sch0", "status"]);
    expect(status.drives).toEqual([{ index: 0, full: true, barcode: "AAK787L9", sourceSlot: 24 }]);
    expect(status.slots).toHaveLength(24);
  });

  it("status ignores a Unit Attention Request Sense on stderr when mtx exits 0", async () => {
    const merged = readMtxFixture(
      "status-tandberg-1drv-7slot-unit-attention-asc28-then-success.txt",
    );
    const headerAt = merged.indexOf("  Storage Changer");
    const mtxPath = fakeMtx({
      stderr: merged.slice(0, headerAt),
      stdout: merged.slice(headerAt),
      exitCode: 0,
    });
    const status = await createMtxChanger({ mtxPath, device: "/dev/sg5" }).status();
    expect(status.slots.map((s) => s.barcode)).toContain("000711L4");
  });

  it("status on a library that is not ready rejects with MtxNotReadyError", async () => {
    const mtxPath = fakeMtx({
      stderr: readMtxFixture(
        "error-faq-status-not-ready-asc04-ascq8e-read-element-status-failed.txt",
      ),
      exitCode: 1,
    });
    const error = await createMtxChanger({ mtxPath, device: "/dev/sg4" })
      .status()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MtxNotReadyError);
    expect((error as MtxNotReadyError).operation).toBe("status");
    expect((error as MtxNotReadyError).ascq).toBe(0x8e);
  });

  it("loading slot 7 into drive 1 runs `mtx -f /dev/sch0 load 7 1`", async () => {
    const mtxPath = fakeMtx({
      stdout: "Loading media from Storage Element 7 into drive 1...done\n",
      exitCode: 0,
    });
    await createMtxChanger({ mtxPath, device: "/dev/sch0" }).load(7, 1);
    expect(argsSent()).toEqual(["-f", "/dev/sch0", "load", "7", "1"]);
  });

  it("unloading drive 0 into slot 6 runs `mtx -f <device> unload 6 0` (slot first, as mtx wants)", async () => {
    const mtxPath = fakeMtx({
      stdout: "Unloading drive 0 into Storage Element 6...done\n",
      exitCode: 0,
    });
    await createMtxChanger({ mtxPath, device: "/dev/sg3" }).unload(0, 6);
    expect(argsSent()).toEqual(["-f", "/dev/sg3", "unload", "6", "0"]);
  });

  it("transfer runs `mtx -f <device> transfer <from> <to>`, keeping a device path with spaces whole", async () => {
    const mtxPath = fakeMtx({ exitCode: 0 });
    const device = path.join(dir, "state dir", "changer");
    await createMtxChanger({ mtxPath, device }).transfer(3, 21);
    expect(argsSent()).toEqual(["-f", device, "transfer", "3", "21"]);
  });

  it("an unload refused with ASC 53h rejects with MtxMediumRemovalPreventedError (stdout and stderr apart)", async () => {
    const text = readMtxFixture("error-unload-asc53-ascq03-removal-prevented-interleaved.txt");
    const split = text.indexOf("...") + 3;
    const mtxPath = fakeMtx({
      stdout: text.slice(0, split),
      stderr: text.slice(split),
      exitCode: 1,
    });
    const error = await createMtxChanger({ mtxPath, device: "/dev/sch0" })
      .unload(0, 6)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MtxMediumRemovalPreventedError);
    const refused = error as MtxMediumRemovalPreventedError;
    expect([refused.drive, refused.slot, refused.asc, refused.ascq]).toEqual([0, 6, 0x53, 0x03]);
    expect(refused.hint).toContain("DO NOT POWER CYCLE THE LIBRARY");
  });

  it("a load from an empty slot rejects with MtxSourceEmptyError naming the slot", async () => {
    const text = readMtxFixture("error-load-source-empty-asc3b-ascq0e-reconstructed.txt");
    const split = text.indexOf("...") + 3;
    const mtxPath = fakeMtx({
      stdout: text.slice(0, split),
      stderr: text.slice(split),
      exitCode: 1,
    });
    const error = await createMtxChanger({ mtxPath, device: "/dev/sch0" })
      .load(7, 0)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MtxSourceEmptyError);
    expect((error as MtxSourceEmptyError).message).toContain("Slot 7 is empty");
  });

  it("an unload into a full slot rejects with MtxSlotFullError", async () => {
    const mtxPath = fakeMtx({
      stderr: readMtxFixture("error-unload-slot-already-full-reconstructed.txt"),
      exitCode: 1,
    });
    const error = await createMtxChanger({ mtxPath, device: "/dev/sch0" })
      .unload(0, 3)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MtxSlotFullError);
    expect((error as MtxSlotFullError).code).toBe("MTX_SLOT_ALREADY_FULL");
  });

  it("a busy changer device rejects with MtxDeviceBusyError", async () => {
    const mtxPath = fakeMtx({
      stderr: readMtxFixture("error-open-device-busy-reconstructed.txt"),
      exitCode: 1,
    });
    const error = await createMtxChanger({ mtxPath, device: "/dev/sg3" })
      .transfer(1, 2)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MtxDeviceBusyError);
  });

  it.each([
    ["slot 0", (c: ReturnType<typeof createMtxChanger>) => c.load(0, 0), "slot"],
    ["a negative drive", (c: ReturnType<typeof createMtxChanger>) => c.load(1, -1), "drive"],
    ["a fractional slot", (c: ReturnType<typeof createMtxChanger>) => c.unload(0, 1.5), "slot"],
    ["NaN", (c: ReturnType<typeof createMtxChanger>) => c.transfer(Number.NaN, 2), "source slot"],
  ])("refuses %s before running mtx", async (_label, call, argument) => {
    const mtxPath = fakeMtx({ exitCode: 0 });
    const error = await call(createMtxChanger({ mtxPath, device: "/dev/sch0" })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MtxInvalidArgumentError);
    expect((error as MtxInvalidArgumentError).code).toBe("MTX_INVALID_ARGUMENT");
    expect((error as MtxInvalidArgumentError).argument).toBe(argument);
    expect(argsSent()).toBeNull();
  });

  it("a missing mtx program is reported by the exec helper as COMMAND_NOT_FOUND", async () => {
    const error = await createMtxChanger({
      mtxPath: path.join(dir, "no-such-mtx"),
      device: "/dev/sch0",
    })
      .status()
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("COMMAND_NOT_FOUND");
  });

  it("an mtx that hangs is stopped after timeoutMs", async () => {
    const script = path.join(dir, "mtx");
    fs.writeFileSync(script, "#!/bin/sh\nexec sleep 30\n", { mode: 0o755 });
    const error = await createMtxChanger({ mtxPath: script, device: "/dev/sch0", timeoutMs: 300 })
      .status()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandTimeoutError);
  });
});
