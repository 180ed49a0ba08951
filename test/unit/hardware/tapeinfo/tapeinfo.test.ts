import { describe, expect, it } from "vitest";
import type { CommandResult, runCommand } from "../../../../shared/exec/index.ts";
import {
  parseTapeinfo,
  readTapeinfo,
  TapeDeviceBusyError,
  TapeDeviceOpenError,
  TapeinfoFailedError,
  TapeinfoUnparseableError,
} from "../../../../shared/hardware/tapeinfo/index.ts";
import { readFixture } from "../ltfs/ltfs-captures.ts";

describe("parseTapeinfo", () => {
  it("reads an IBM LTO-8 drive with a tape loaded mid-tape (ibm-ultrium-hh8-loaded-mid-tape.txt)", () => {
    const report = parseTapeinfo(readFixture("real/tapeinfo/ibm-ultrium-hh8-loaded-mid-tape.txt"));
    expect(report).toMatchObject({
      productType: "Tape Drive",
      vendor: "IBM",
      product: "ULTRIUM-HH8",
      revision: "MA21",
      serial: "10WT087648",
      attachedChanger: false,
      ready: true,
      tapeAlerts: [],
      tapeAlertFlags: [],
      writeProtected: false,
      mediumType: "0x88",
      densityCode: "0x5e",
      blockPosition: 78585,
      unparsedLines: [],
    });
    expect(report.fields.MaxBlock).toBe("8388608");
    expect(report.fields.BOP).toBeUndefined();
  });

  it("reads the same drive at the beginning of the tape (ibm-ultrium-hh8-loaded-at-bop.txt)", () => {
    const report = parseTapeinfo(readFixture("real/tapeinfo/ibm-ultrium-hh8-loaded-at-bop.txt"));
    expect(report.blockPosition).toBe(0);
    expect(report.fields.BOP).toBe("yes");
  });

  it("reads TapeAlert flags and a serial padded with blanks (mhvtl-stk-t10000b-tapealert-flags-test-string.txt)", () => {
    const report = parseTapeinfo(
      readFixture("real/tapeinfo/mhvtl-stk-t10000b-tapealert-flags-test-string.txt"),
    );
    expect(report).toMatchObject({
      vendor: "STK",
      product: "T10000B",
      revision: "0107",
      serial: "XYZZY_B1",
    });
    expect(report.tapeAlertFlags).toEqual([1, 2, 3, 5, 13, 20, 21]);
    expect(report.tapeAlerts).toEqual([
      "Read: Having problems reading (slowing down)",
      "Write: Having problems writing (losing capacity)",
      "Hard Error: Uncorrectable read/write error",
      "Read Failure: Tape faulty or tape drive broken",
      "Snapped Tape: The data cartridge contains a broken tape",
      "Clean Now: The tape drive neads cleaning NOW",
      "Clean Periodic:The tape drive needs to be cleaned at next opportunity",
    ]);
    // The source is a Python test string; its closing quotes are kept, not silently dropped.
    expect(report.unparsedLines).toEqual(['"""']);
  });

  it("reads a drive that is not ready, which prints no mode pages (format of mtx's tapeinfo.c)", () => {
    const report = parseTapeinfo(
      [
        "Product Type: Tape Drive",
        "Vendor ID: 'HP      '",
        "Product ID: 'Ultrium 5-SCSI  '",
        "Revision: 'Z6ED'",
        "Attached Changer API: No",
        "SerialNumber: 'HUJ4482F6U'",
        "MinBlock: 1",
        "MaxBlock: 16777215",
        "SCSI ID: 1",
        "SCSI LUN: 0",
        "Ready: no",
        "",
      ].join("\n"),
    );
    expect(report).toMatchObject({
      vendor: "HP",
      product: "Ultrium 5-SCSI",
      serial: "HUJ4482F6U",
      ready: false,
      writeProtected: null,
      mediumType: null,
      blockPosition: null,
    });
  });

  it("splits the field tapeinfo glues onto 'Block Position: -1', which it prints without a newline", () => {
    const report = parseTapeinfo(
      "Product Type: Tape Drive\nVendor ID: 'IBM     '\nReady: yes\nWriteProtect: yes\nMedium Type: Not Loaded\nBlock Position: -1Partition 0 Remaining Kbytes: 1200\nActivePartition: 0\n",
    );
    expect(report.blockPosition).toBe(-1);
    expect(report.fields["Partition 0 Remaining Kbytes"]).toBe("1200");
    expect(report).toMatchObject({ writeProtected: true, mediumType: null });
  });

  it("rejects output that is not tapeinfo's", () => {
    expect(() =>
      parseTapeinfo("Storage Changer /dev/sch0:1 Drives, 24 Slots ( 0 Import/Export )\n"),
    ).toThrow(TapeinfoUnparseableError);
    expect(() => parseTapeinfo("not tapeinfo\n")).toThrow(
      expect.objectContaining({ code: "TAPEINFO_UNPARSEABLE" }),
    );
  });
});

function fakeRun(exitCode: number, stdout: string, stderr: string, calls: string[][] = []) {
  return ((command: string, args: readonly string[]): Promise<CommandResult> => {
    calls.push([command, ...args]);
    return Promise.resolve({
      command,
      args,
      exitCode,
      signal: null,
      stdout,
      stderr,
      durationMs: 3,
    });
  }) as typeof runCommand;
}

describe("readTapeinfo", () => {
  it("runs `tapeinfo -f <device>` and parses its report", async () => {
    const calls: string[][] = [];
    const report = await readTapeinfo({
      tapeinfoPath: "/usr/sbin/tapeinfo",
      device: "/dev/sg4",
      run: fakeRun(0, readFixture("real/tapeinfo/ibm-ultrium-hh8-loaded-at-bop.txt"), "", calls),
    });
    expect(calls).toEqual([["/usr/sbin/tapeinfo", "-f", "/dev/sg4"]]);
    expect(report.serial).toBe("10WT087648");
  });

  it("throws TapeDeviceBusyError while LTFS holds the drive (error-open-device-busy-while-ltfs-mounted-reconstructed.txt)", async () => {
    const stderr = readFixture(
      "real/tapeinfo/error-open-device-busy-while-ltfs-mounted-reconstructed.txt",
    );
    const error = await readTapeinfo({
      tapeinfoPath: "tapeinfo",
      device: "/dev/sg4",
      run: fakeRun(1, "", stderr),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TapeDeviceBusyError);
    expect(error).toMatchObject({ code: "TAPEINFO_DEVICE_BUSY" });
    expect(error).toMatchObject({ code: "TAPEINFO_DEVICE_BUSY", device: "/dev/sg4" });
    expect((error as Error).message).toBe(
      "The tape drive /dev/sg4 is busy: another process holds it open (tapeinfo: Device or resource busy)",
    );
  });

  it("throws TapeDeviceOpenError for a device that does not exist (scsi_linux.c format)", async () => {
    const stderr =
      "/usr/sbin/tapeinfo: cannot open SCSI device '/dev/sg9' - No such file or directory\n";
    const error = await readTapeinfo({
      tapeinfoPath: "tapeinfo",
      device: "/dev/sg9",
      run: fakeRun(1, "", stderr),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TapeDeviceOpenError);
    expect(error).toMatchObject({ code: "TAPEINFO_DEVICE_OPEN_FAILED" });
    expect((error as Error).message).toBe(
      "tapeinfo could not open the tape drive /dev/sg9: No such file or directory",
    );
  });

  it("throws TapeinfoFailedError quoting tapeinfo for other failures", async () => {
    const error = await readTapeinfo({
      tapeinfoPath: "tapeinfo",
      device: "/dev/sg4",
      run: fakeRun(1, "", "tapeinfo: INQUIRY Command Failed\n"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TapeinfoFailedError);
    expect(error).toMatchObject({ code: "TAPEINFO_FAILED" });
    expect((error as Error).message).toBe(
      "tapeinfo -f /dev/sg4 exited with status 1: tapeinfo: INQUIRY Command Failed",
    );
  });
});
