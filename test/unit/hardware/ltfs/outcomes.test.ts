import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  InvalidVolumeSerialError,
  LtfsCommandFailedError,
  LtfsDeviceUnavailableError,
  LtfsMountNotConfirmedError,
  LtfsMountPointMissingError,
  ltfsckOutcome,
  ltfsckResultOrThrow,
  ltfsMountOutcome,
  ltfsMountResultOrThrow,
  mkltfsOutcome,
  mkltfsResultOrThrow,
  TapeAlreadyFormattedError,
  TapeInconsistentError,
  TapeNeedsRecoveryError,
  TapeNotFormattedError,
  TapeWriteProtectedError,
} from "../../../../shared/hardware/ltfs/index.ts";
import {
  asCommandResult,
  capturedSteps,
  FIXTURES,
  readFixture,
  step,
  stepsRunning,
} from "./ltfs-captures.ts";

const CAPTURE_FILES = fs
  .readdirSync(path.join(FIXTURES, "real-ltfs"))
  .filter((name) => /^\d\d-.*\.txt$/.test(name));

/** A fixture that is only stderr text, run as if the tool had exited with `exitCode`. */
function excerpt(file: string, exitCode: number) {
  return { command: "ltfs", args: [], exitCode, stdout: "", stderr: readFixture(file) };
}

describe("mkltfsOutcome", () => {
  it("reads the UUID and capacity of a successful format (01-format-new-tape.txt)", () => {
    const outcome = mkltfsOutcome(
      step(
        "01-format-new-tape.txt",
        "mkltfs -e file -d /tmp/ltfs-tapes/TAPE002 -s TAPE02 -n 'My Volume'",
      ),
    );
    expect(outcome).toMatchObject({
      kind: "formatted",
      volumeUuid: "4865526d-ba0e-49e5-8116-003f3c6fc3c5",
      capacityGB: 3,
    });
  });

  it("counts a quiet format as formatted although it prints only LTFS30061E (01-format-new-tape.txt)", () => {
    const run = step(
      "01-format-new-tape.txt",
      "mkltfs -q -e file -d /tmp/ltfs-tapes/TAPE003 -s TAPE03",
    );
    expect(run.stderr).toBe("LTFS30061E Cannot unlock medium: unit not ready.\n");
    expect(mkltfsOutcome(run)).toMatchObject({
      kind: "formatted",
      volumeUuid: null,
      capacityGB: null,
    });
  });

  it("recognises an already formatted tape by LTFS15047E and exit 16 (02-format-errors.txt)", () => {
    const run = step("02-format-errors.txt", "mkltfs -e file -d /tmp/ltfs-tapes/TAPE002");
    expect(run.exitCode).toBe(16);
    expect(mkltfsOutcome(run).kind).toBe("already-formatted");
  });

  it("recognises the reconstructed already-formatted run (mkltfs-already-formatted-15047E-reconstructed.txt)", () => {
    expect(
      mkltfsOutcome(excerpt("real/ltfs/mkltfs-already-formatted-15047E-reconstructed.txt", 16))
        .kind,
    ).toBe("already-formatted");
  });

  it("reports a forced re-format as formatted with a new UUID (02-format-errors.txt)", () => {
    const outcome = mkltfsOutcome(
      step("02-format-errors.txt", "mkltfs -f -e file -d /tmp/ltfs-tapes/TAPE002 -s TAPE02"),
    );
    expect(outcome).toMatchObject({
      kind: "formatted",
      volumeUuid: "1c406bd0-6e97-4e0a-a979-299a1a80bc7f",
    });
  });

  it("recognises a bad serial by LTFS15029E and LTFS15030E (02-format-errors.txt)", () => {
    for (const serial of ["ABC", "abc123"]) {
      const run = step(
        "02-format-errors.txt",
        `mkltfs -e file -d /tmp/ltfs-tapes/TAPE004 -s ${serial}`,
      );
      expect(mkltfsOutcome(run).kind).toBe("invalid-serial");
    }
  });

  it("treats a device that cannot be opened as unavailable (02-format-errors.txt, exit 8)", () => {
    for (const command of [
      "mkltfs -e file -d /tmp/ltfs-tapes/NOSUCHTAPE",
      "mkltfs -d /tmp/ltfs-tapes/TAPE004",
    ]) {
      const run = step("02-format-errors.txt", command);
      expect(run.exitCode).toBe(8);
      expect(mkltfsOutcome(run).kind).toBe("device-unavailable");
    }
  });

  it("counts a wipe that exits 1 as unformatted, i.e. success (02-format-errors.txt)", () => {
    const wipes = stepsRunning(
      "02-format-errors.txt",
      "mkltfs -e file -d /tmp/ltfs-tapes/TAPEW1 -w",
    );
    expect(wipes.map((run) => [run.exitCode, mkltfsOutcome(run).kind])).toEqual([
      [1, "unformatted"],
      [1, "unformatted"],
    ]);
  });

  it("recognises a write-protected tape by LTFS11095E (11-mount-options-readonly.txt)", () => {
    const run = step(
      "11-mount-options-readonly.txt",
      "mkltfs -f -e file -d /tmp/ltfs-tapes/TAPE070",
    );
    expect(run.exitCode).toBe(16);
    expect(mkltfsOutcome(run).kind).toBe("write-protected");
  });

  it("counts an HPE format with an LTFS20075E in the middle as formatted (mkltfs-success-hpe-storeopen-3.5.0-windows-no-trailing-period.txt)", () => {
    const outcome = mkltfsOutcome(
      excerpt("real/ltfs/mkltfs-success-hpe-storeopen-3.5.0-windows-no-trailing-period.txt", 0),
    );
    expect(outcome).toMatchObject({
      kind: "formatted",
      volumeUuid: "aafc2655-cfcb-4de2-9c7a-b064e29f4403",
      capacityGB: 1335,
    });
  });

  it("classifies every captured mkltfs run by what really happened", () => {
    const kinds = CAPTURE_FILES.flatMap((file) =>
      capturedSteps(file)
        // Every format and wipe; not the -V/-h/-p runs of 00-versions-and-help.txt.
        .filter((run) => /(^|&& )mkltfs (?!-[Vhp]$)/.test(run.commandLine))
        .map((run) => `${run.exitCode} ${mkltfsOutcome(run).kind}`),
    );
    const counts = Object.fromEntries(
      [...new Set(kinds)].map((kind) => [kind, kinds.filter((k) => k === kind).length]),
    );
    expect(counts).toEqual({
      "0 formatted": 18,
      "16 already-formatted": 1,
      "16 invalid-serial": 2,
      "16 write-protected": 1,
      "16 failed": 1,
      "8 device-unavailable": 2,
      "1 unformatted": 2,
    });
  });
});

describe("mkltfsResultOrThrow", () => {
  it("throws TapeAlreadyFormattedError naming the device, with a hint (02-format-errors.txt)", () => {
    const run = asCommandResult(
      step("02-format-errors.txt", "mkltfs -e file -d /tmp/ltfs-tapes/TAPE002"),
    );
    const error = catchError(() => mkltfsResultOrThrow(run, { device: "/dev/sg3" }));
    expect(error).toBeInstanceOf(TapeAlreadyFormattedError);
    expect(error).toMatchObject({ code: "LTFS_TAPE_ALREADY_FORMATTED", device: "/dev/sg3" });
    expect(error.message).toBe(
      "The tape in /dev/sg3 is already LTFS-formatted, so mkltfs did not format it (LTFS15047E)",
    );
    expect(error.hint).toMatch(/may hold archived data/);
  });

  it("throws InvalidVolumeSerialError with the serial mkltfs was given (02-format-errors.txt)", () => {
    const run = asCommandResult(
      step("02-format-errors.txt", "mkltfs -e file -d /tmp/ltfs-tapes/TAPE004 -s abc123"),
    );
    const error = catchError(() => mkltfsResultOrThrow(run, { device: "/dev/sg3" }));
    expect(error).toBeInstanceOf(InvalidVolumeSerialError);
    expect(error).toMatchObject({ code: "LTFS_INVALID_VOLUME_SERIAL", volumeSerial: "abc123" });
  });

  it("throws LtfsDeviceUnavailableError quoting the open failure but not LTFS30061E (02-format-errors.txt)", () => {
    const run = asCommandResult(
      step("02-format-errors.txt", "mkltfs -e file -d /tmp/ltfs-tapes/NOSUCHTAPE"),
    );
    const error = catchError(() =>
      mkltfsResultOrThrow(run, { device: "/tmp/ltfs-tapes/NOSUCHTAPE" }),
    );
    expect(error).toBeInstanceOf(LtfsDeviceUnavailableError);
    expect(error).toMatchObject({ code: "LTFS_DEVICE_UNAVAILABLE" });
    expect(error.message).toBe(
      "mkltfs could not open the tape device /tmp/ltfs-tapes/NOSUCHTAPE: LTFS30002E Cannot open redirecting file (/tmp/ltfs-tapes/NOSUCHTAPE); LTFS12012E Cannot open device: failed backend open call; LTFS15009E Cannot open device '/tmp/ltfs-tapes/NOSUCHTAPE' (-21700)",
    );
  });

  it("throws TapeWriteProtectedError (11-mount-options-readonly.txt)", () => {
    const run = asCommandResult(
      step("11-mount-options-readonly.txt", "mkltfs -f -e file -d /tmp/ltfs-tapes/TAPE070"),
    );
    expect(catchError(() => mkltfsResultOrThrow(run, { device: "/dev/sg3" }))).toBeInstanceOf(
      TapeWriteProtectedError,
    );
    expect(catchError(() => mkltfsResultOrThrow(run, { device: "/dev/sg3" }))).toMatchObject({
      code: "LTFS_TAPE_WRITE_PROTECTED",
    });
  });

  it("throws LtfsCommandFailedError for a usage error, naming the command (02-format-errors.txt, no -d)", () => {
    const run = asCommandResult(step("02-format-errors.txt", "mkltfs -e file"));
    const error = catchError(() => mkltfsResultOrThrow(run, { device: "/dev/sg3" }));
    expect(error).toBeInstanceOf(LtfsCommandFailedError);
    expect(error).toMatchObject({ code: "LTFS_COMMAND_FAILED" });
    expect(error.message).toBe(
      "mkltfs -e file exited with status 16: LTFS15026E Device name must use the '-d' option; LTFS15002E Option validation failed",
    );
  });
});

describe("ltfsMountOutcome", () => {
  it("reads serial and index generation of a mount (04-mount-copy-xattr-umount-remount.txt)", () => {
    const mounts = stepsRunning("04-mount-copy-xattr-umount-remount.txt", "ltfs -o");
    expect(mounts.map((run) => ltfsMountOutcome(run))).toMatchObject([
      { kind: "started", volumeSerial: "TAPE10", generation: 1, readOnlyReason: null },
      { kind: "started", volumeSerial: "TAPE10", generation: 2, readOnlyReason: null },
    ]);
  });

  it("recognises a blank and a wiped tape by LTFS17168E (03-mount-unformatted.txt)", () => {
    for (const tape of ["BLANK1", "TAPEW1"]) {
      const run = step(
        "03-mount-unformatted.txt",
        `ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/${tape} /tmp/ltfs-mnt`,
      );
      expect(ltfsMountOutcome(run).kind).toBe("not-formatted");
    }
  });

  it("recognises a missing device and the wrong backend by LTFS10004E (03-mount-unformatted.txt)", () => {
    for (const command of [
      "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/NOSUCHTAPE /tmp/ltfs-mnt",
      "ltfs -o devname=/tmp/ltfs-tapes/TAPE001 /tmp/ltfs-mnt",
    ]) {
      expect(ltfsMountOutcome(step("03-mount-unformatted.txt", command)).kind).toBe(
        "device-unavailable",
      );
    }
  });

  it("recognises a missing mount point by LTFS14094E, after the volume loaded (03-mount-unformatted.txt)", () => {
    const run = step(
      "03-mount-unformatted.txt",
      "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/TAPE001 /tmp/ltfs-no-such-mnt",
    );
    expect(ltfsMountOutcome(run).kind).toBe("mount-point-missing");
  });

  it("sees through exit 0 when FUSE refused the mount point (06-mount-twice.txt)", () => {
    const refused = stepsRunning("06-mount-twice.txt", "ltfs -o").filter(
      (run) => ltfsMountOutcome(run).kind === "fuse-refused",
    );
    expect(refused.map((run) => [run.exitCode, run.commandLine])).toEqual([
      [0, "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/TAPE021 /tmp/ltfs-mnt"],
      [0, "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/TAPE021 /tmp/ltfs-mnt-nonempty"],
    ]);
  });

  it("recognises a tape that needs ltfsck after a crash by LTFS11220E (08-ltfsck.txt)", () => {
    const mounts = stepsRunning("08-ltfsck.txt", "ltfs -o").filter((run) => run.exitCode !== 0);
    expect(mounts.map((run) => ltfsMountOutcome(run).kind)).toEqual(["needs-recovery"]);
  });

  it("says why LTFS mounted read-only by itself (07-fill-small-tape.txt, 11-mount-options-readonly.txt)", () => {
    const full = stepsRunning("07-fill-small-tape.txt", "ltfs -o").at(-1);
    const protectedTape = stepsRunning("11-mount-options-readonly.txt", "ltfs -o").find((run) =>
      run.stderr.includes("LTFS14019I"),
    );
    expect(full && ltfsMountOutcome(full)).toMatchObject({
      kind: "started",
      volumeSerial: "SMA200",
      readOnlyReason: "Medium has no space to write data. Mounting as read-only",
    });
    expect(protectedTape && ltfsMountOutcome(protectedTape)).toMatchObject({
      kind: "started",
      readOnlyReason: "Medium is write protected. Mounting read-only",
    });
  });

  it("reads a tape without barcode as serial null (mount-success-tail-no-barcode-gen1-11031I.txt)", () => {
    expect(
      ltfsMountOutcome(excerpt("real/ltfs/mount-success-tail-no-barcode-gen1-11031I.txt", 0)),
    ).toMatchObject({
      kind: "started",
      volumeSerial: null,
      generation: 1,
    });
  });

  it("reads a real drive's mount of generation 38 (mount-success-tail-tape-attributes-padded-EXCERPT.txt)", () => {
    expect(
      ltfsMountOutcome(
        excerpt("real/ltfs/mount-success-tail-tape-attributes-padded-EXCERPT.txt", 0),
      ),
    ).toMatchObject({ kind: "started", volumeSerial: "KENJA0", generation: 38 });
  });

  it("classifies real drives' failed mounts (mount-fail-*.txt)", () => {
    expect(
      [
        "real/ltfs/mount-fail-not-partitioned-17168E-ibm-hh9-by-serial.txt",
        "real/ltfs/mount-fail-consistency-check-run-ltfsck-tail.txt",
        "real/ltfs/mount-fail-iscsi-xml-parser-io-error-tail.txt",
      ].map((file) => ltfsMountOutcome(excerpt(file, 1)).kind),
    ).toEqual(["not-formatted", "needs-recovery", "failed"]);
  });

  it("never takes a captured ltfs exit 0 with a FUSE complaint for a mount", () => {
    for (const file of CAPTURE_FILES) {
      for (const run of stepsRunning(file, "ltfs -o").filter((r) => r.exitCode === 0)) {
        const kind = ltfsMountOutcome(run).kind;
        expect(kind).toBe(run.stderr.includes("\nfuse: ") ? "fuse-refused" : "started");
      }
    }
  });
});

describe("ltfsMountResultOrThrow", () => {
  const context = { device: "/dev/sg3", mountPoint: "/mnt/ltfs0", mountTable: "/proc/mounts" };

  it("throws TapeNotFormattedError for a blank tape (03-mount-unformatted.txt)", () => {
    const run = asCommandResult(
      step(
        "03-mount-unformatted.txt",
        "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/BLANK1 /tmp/ltfs-mnt",
      ),
    );
    const error = catchError(() => ltfsMountResultOrThrow(run, context));
    expect(error).toBeInstanceOf(TapeNotFormattedError);
    expect(error).toMatchObject({ code: "LTFS_TAPE_NOT_FORMATTED", device: "/dev/sg3" });
    expect(error.message).toBe(
      "The tape in /dev/sg3 is not LTFS-formatted (blank or wiped), so LTFS cannot read it (LTFS17168E)",
    );
  });

  it("throws TapeNeedsRecoveryError that tells the operator to run ltfsck (08-ltfsck.txt)", () => {
    const crashed = stepsRunning("08-ltfsck.txt", "ltfs -o").find((run) => run.exitCode === 1);
    if (!crashed) throw new Error("fixture has no failed mount");
    const error = catchError(() => ltfsMountResultOrThrow(asCommandResult(crashed), context));
    expect(error).toBeInstanceOf(TapeNeedsRecoveryError);
    expect(error).toMatchObject({ code: "LTFS_TAPE_NEEDS_RECOVERY" });
    expect(error.hint).toBe(
      "Do not format it. Run `ltfsck /dev/sg3` (add -f to keep the unindexed blocks in /_ltfs_lostandfound), then mount it again.",
    );
  });

  it("throws LtfsMountPointMissingError that says how to create it (03-mount-unformatted.txt)", () => {
    const run = asCommandResult(
      step(
        "03-mount-unformatted.txt",
        "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/TAPE001 /tmp/ltfs-no-such-mnt",
      ),
    );
    const error = catchError(() => ltfsMountResultOrThrow(run, context));
    expect(error).toBeInstanceOf(LtfsMountPointMissingError);
    expect(error).toMatchObject({ code: "LTFS_MOUNT_POINT_MISSING" });
    expect(error.hint).toBe(
      "Create it with `mkdir -p /mnt/ltfs0`, or fix the mount point in pytarchive.conf.",
    );
  });

  it("throws LtfsMountNotConfirmedError quoting FUSE when ltfs exits 0 without mounting (06-mount-twice.txt)", () => {
    const run = asCommandResult(
      step(
        "06-mount-twice.txt",
        "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/TAPE021 /tmp/ltfs-mnt-nonempty",
      ),
    );
    const error = catchError(() => ltfsMountResultOrThrow(run, context));
    expect(error).toBeInstanceOf(LtfsMountNotConfirmedError);
    expect(error).toMatchObject({ code: "LTFS_MOUNT_NOT_CONFIRMED" });
    expect(error.message).toBe(
      "ltfs reported success for /dev/sg3, but /proc/mounts shows nothing mounted at /mnt/ltfs0: fuse: mountpoint is not empty; fuse: if you are sure this is safe, use the 'nonempty' mount option; LTFS14123W The main function of FUSE returned error (1)",
    );
  });
});

describe("ltfsckOutcome", () => {
  it("takes exit 1 with LTFS16022I as a consistent tape (08-ltfsck.txt, clean tape)", () => {
    const run = step("08-ltfsck.txt", "ltfsck -e file /tmp/ltfs-tapes/TAPE030");
    expect(run.exitCode).toBe(1);
    expect(ltfsckOutcome(run)).toMatchObject({
      kind: "consistent",
      recovered: false,
      volumeSerial: "TAPE30",
      volumeUuid: "9c717ffb-aaa7-4801-999b-f271239d5060",
      generation: 3,
    });
  });

  it("reports a recovery after a crash, and the new generation (08-ltfsck.txt)", () => {
    const afterCrash = step("08-ltfsck.txt", "ltfsck -e file /tmp/ltfs-tapes/TAPE030", 1);
    const full = step("08-ltfsck.txt", "ltfsck -e file -f /tmp/ltfs-tapes/TAPE030");
    expect(ltfsckOutcome(afterCrash)).toMatchObject({
      kind: "consistent",
      recovered: true,
      generation: 4,
    });
    expect(ltfsckOutcome(full)).toMatchObject({
      kind: "consistent",
      recovered: true,
      generation: 5,
    });
  });

  it("recognises a blank tape by LTFS17168E with exit 4 (03-mount-unformatted.txt)", () => {
    const run = step("03-mount-unformatted.txt", "ltfsck -e file /tmp/ltfs-tapes/BLANK1");
    expect(run.exitCode).toBe(4);
    expect(ltfsckOutcome(run).kind).toBe("not-formatted");
  });

  it("takes every captured plain check of a formatted tape as consistent", () => {
    const checks = CAPTURE_FILES.flatMap((file) =>
      capturedSteps(file).filter((run) =>
        /^ltfsck -e file \/tmp\/ltfs-tapes\/(?!BLANK)\w+$/.test(run.commandLine),
      ),
    );
    expect(checks.length).toBe(7);
    for (const run of checks) expect(ltfsckOutcome(run).kind).toBe("consistent");
  });

  it("recognises an uncorrected volume by LTFS16021E and exit 4 (message from LTFS's catalogue)", () => {
    const line = readFixture("real/ltfs/catalog-bin_ltfsck-message-formats.txt")
      .split("\n")
      .find((l) => l.startsWith("LTFS16021E"));
    const outcome = ltfsckOutcome({ exitCode: 4, stdout: "", stderr: `${line}\n` });
    expect(outcome.kind).toBe("inconsistent");
    const error = catchError(() =>
      ltfsckResultOrThrow(
        { command: "ltfsck", args: ["/dev/sg3"], exitCode: 4, stdout: "", stderr: `${line}\n` },
        {
          device: "/dev/sg3",
        },
      ),
    );
    expect(error).toBeInstanceOf(TapeInconsistentError);
    expect(error).toMatchObject({ code: "LTFS_TAPE_INCONSISTENT" });
    expect(error.message).toBe(
      "ltfsck could not make the LTFS volume on the tape in /dev/sg3 consistent: LTFS16021E Volume is inconsistent and was not corrected",
    );
  });
});

function catchError(action: () => unknown): Error & { code?: string; hint?: string } {
  try {
    action();
  } catch (error) {
    return error as Error & { code?: string; hint?: string };
  }
  throw new Error("expected an error");
}
