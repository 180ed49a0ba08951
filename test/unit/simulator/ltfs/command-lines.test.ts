import { describe, expect, it } from "vitest";
import {
  parseLtfsOptions,
  syncTypeMessage,
} from "../../../../infra/simulator/ltfs/ltfs-options.ts";
import { parseLtfsckOptions } from "../../../../infra/simulator/ltfs/ltfsck-options.ts";
import {
  parseMkltfsOptions,
  volumeSerialProblem,
} from "../../../../infra/simulator/ltfs/mkltfs-options.ts";

describe("parseMkltfsOptions", () => {
  it("reads bundled short options, attached values and long options as getopt_long does", () => {
    const parsed = parseMkltfsOptions([
      "-fq",
      "-dX",
      "--tape-serial=AB1234",
      "--volume-name",
      "Vol 1",
      "-e",
      "file",
    ]);
    expect(parsed).toEqual({
      ok: true,
      options: {
        device: "X",
        volumeSerial: "AB1234",
        volumeName: "Vol 1",
        rules: null,
        force: true,
        wipe: false,
        quiet: true,
        version: false,
        help: false,
      },
    });
  });

  it("names an unknown option in glibc's words", () => {
    expect(parseMkltfsOptions(["-z"])).toEqual({ ok: false, message: "invalid option -- 'z'" });
    expect(parseMkltfsOptions(["--bogus"])).toEqual({
      ok: false,
      message: "unrecognized option '--bogus'",
    });
    expect(parseMkltfsOptions(["-d"])).toEqual({
      ok: false,
      message: "option requires an argument -- 'd'",
    });
  });
});

describe("volumeSerialProblem", () => {
  it("accepts exactly six capitals or digits (LTFS15029E / LTFS15030E otherwise)", () => {
    expect(volumeSerialProblem("AAK780")).toBeNull();
    expect(volumeSerialProblem("AAK780L9")).toBe("length");
    expect(volumeSerialProblem("abc123")).toBe("characters");
  });
});

describe("parseLtfsOptions", () => {
  it("reads -o lists, -oX, -f and the mount point as FUSE does", () => {
    const options = parseLtfsOptions([
      "-o",
      "devname=/srv/sim/drives/0,sync_type=unmount",
      "-oro",
      "-f",
      "/mnt/ltfs0",
    ]);
    expect(options).toMatchObject({
      devname: "/srv/sim/drives/0",
      mountPoint: "/mnt/ltfs0",
      foreground: true,
      readOnly: true,
      nonEmpty: false,
      syncType: "unmount",
    });
  });

  it("takes the later of ro and rw, and nonempty from the option list", () => {
    expect(parseLtfsOptions(["-o", "ro", "-o", "rw", "/m"]).readOnly).toBe(false);
    expect(parseLtfsOptions(["-o", "nonempty", "/m"]).nonEmpty).toBe(true);
  });

  it("prints the sync type as LTFS14063I or LTFS14064I", () => {
    expect(syncTypeMessage("time@5")).toEqual({
      id: "14063I",
      text: 'Sync type is "time", Sync time is 300 sec.',
    });
    expect(syncTypeMessage("close")).toEqual({ id: "14064I", text: 'Sync type is "close".' });
    expect(syncTypeMessage("time@0")).toEqual({ id: "14064I", text: 'Sync type is "unmount".' });
  });
});

describe("parseLtfsckOptions", () => {
  it("takes the device as the operand wherever it stands", () => {
    const parsed = parseLtfsckOptions(["/srv/sim/drives/1", "-e", "file", "-f"]);
    expect(parsed.ok && parsed.options).toMatchObject({
      device: "/srv/sim/drives/1",
      fullRecovery: true,
      listRollbackPoints: false,
    });
  });
});
