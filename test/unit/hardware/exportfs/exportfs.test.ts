import { describe, expect, it } from "vitest";
import type { CommandResult, runCommand } from "../../../../shared/exec/index.ts";
import {
  ExportfsFailedError,
  ExportfsOutputUnparseableError,
  ExportRequiresFsidError,
  exportFolder,
  listExports,
  parseExportfsVerbose,
  unexportFolder,
} from "../../../../shared/hardware/exportfs/index.ts";
import { readFixture } from "../ltfs/ltfs-captures.ts";

const DEFAULT_OPTIONS = ["sync", "wdelay", "hide", "no_subtree_check", "sec=sys"];

describe("parseExportfsVerbose", () => {
  it("reads a long path with its client on the next line, <world> as * (exportfs-v-long-path-wrapped-world-insecure.txt)", () => {
    expect(
      parseExportfsVerbose(
        readFixture("real/exportfs/exportfs-v-long-path-wrapped-world-insecure.txt"),
      ),
    ).toEqual([
      {
        path: "/srv/nfs/kubedata",
        client: "*",
        options: [...DEFAULT_OPTIONS, "rw", "insecure", "root_squash", "no_all_squash"],
      },
    ]);
  });

  it("reads two wrapped entries (exportfs-v-two-long-paths-wrapped-no-root-squash.txt)", () => {
    const entries = parseExportfsVerbose(
      readFixture("real/exportfs/exportfs-v-two-long-paths-wrapped-no-root-squash.txt"),
    );
    expect(entries.map((e) => [e.path, e.client])).toEqual([
      ["/mnt/raid_storage", "192.168.10.0/24"],
      ["/mnt/lvm_storage", "192.168.10.0/24"],
    ]);
    expect(entries[0]?.options).toContain("no_root_squash");
  });

  it("reads the exact TAB layout of a short and a long path (exportfs-v-tab-exact-short-and-long-path-reconstructed.txt)", () => {
    const entries = parseExportfsVerbose(
      readFixture("real/exportfs/exportfs-v-tab-exact-short-and-long-path-reconstructed.txt"),
    );
    const readOnly = [...DEFAULT_OPTIONS, "ro", "secure", "root_squash", "no_all_squash"];
    expect(entries).toEqual([
      { path: "/ltfs", client: "10.0.0.5", options: readOnly },
      { path: "/srv/archive/ltfs-explore", client: "*", options: readOnly },
    ]);
  });

  it("reads the `exportfs -s` form, path and client on one line (exportfs-s-single-host.txt)", () => {
    expect(parseExportfsVerbose(readFixture("real/exportfs/exportfs-s-single-host.txt"))).toEqual([
      {
        path: "/srv/share",
        client: "192.168.57.151",
        options: [...DEFAULT_OPTIONS, "rw", "secure", "no_root_squash", "no_all_squash"],
      },
    ]);
  });

  it("reads a short path whose TABs a terminal turned into blanks, and a path with a blank", () => {
    expect(
      parseExportfsVerbose("/ltfs           10.0.0.5(ro)\n/my tapes       *(ro,fsid=1)\n"),
    ).toEqual([
      { path: "/ltfs", client: "10.0.0.5", options: ["ro"] },
      { path: "/my tapes", client: "*", options: ["ro", "fsid=1"] },
    ]);
  });

  it("reads plain `exportfs` output, which has no options", () => {
    expect(parseExportfsVerbose("/ltfs         \t10.0.0.5\n")).toEqual([
      { path: "/ltfs", client: "10.0.0.5", options: [] },
    ]);
  });

  it("rejects the progress lines of `exportfs -rav` (exportfs-rav-exporting-lines.txt)", () => {
    const text = readFixture("real/exportfs/exportfs-rav-exporting-lines.txt");
    expect(() => parseExportfsVerbose(text)).toThrow(ExportfsOutputUnparseableError);
    expect(() => parseExportfsVerbose(text)).toThrow(
      expect.objectContaining({ code: "EXPORTFS_OUTPUT_UNPARSEABLE" }),
    );
    expect(() => parseExportfsVerbose(text)).toThrow(
      'Not an exportfs listing line (progress of `exportfs -v` with -r, -a or -u): "exporting 192.168.10.0/24:/mnt/lvm_storage"',
    );
  });

  it("reads an empty export table as no exports", () => {
    expect(parseExportfsVerbose("")).toEqual([]);
  });
});

interface FakeExportfs {
  readonly calls: string[][];
  readonly run: typeof runCommand;
}

function fakeExportfs(answer: (args: readonly string[]) => Partial<CommandResult>): FakeExportfs {
  const calls: string[][] = [];
  const run = ((command: string, args: readonly string[]) => {
    calls.push([command, ...args]);
    return Promise.resolve({
      command,
      args,
      exitCode: 0,
      signal: null,
      stdout: "",
      stderr: "",
      durationMs: 2,
      ...answer(args),
    });
  }) as typeof runCommand;
  return { calls, run };
}

describe("exportFolder", () => {
  it("runs `exportfs -o <options> <client>:<path>` and passes on exportfs's warnings (exportfs-r-warning-no-subtree-check-default.txt)", async () => {
    const warning = readFixture("real/exportfs/exportfs-r-warning-no-subtree-check-default.txt");
    const exportfs = fakeExportfs(() => ({ stderr: warning }));
    const result = await exportFolder({
      exportfsPath: "exportfs",
      client: "192.168.0.0/16",
      options: "ro,fsid=1",
      path: "/mnt/ltfs0",
      run: exportfs.run,
    });
    expect(exportfs.calls).toEqual([["exportfs", "-o", "ro,fsid=1", "192.168.0.0/16:/mnt/ltfs0"]]);
    expect(result.target).toBe("192.168.0.0/16:/mnt/ltfs0");
    expect(result.warnings).toHaveLength(3);
  });

  it("joins a list of options and puts an IPv6 client in brackets", async () => {
    const exportfs = fakeExportfs(() => ({}));
    await exportFolder({
      exportfsPath: "exportfs",
      client: "fd00::/64",
      options: ["ro", "fsid=1"],
      path: "/mnt/ltfs0",
      run: exportfs.run,
    });
    expect(exportfs.calls).toEqual([["exportfs", "-o", "ro,fsid=1", "[fd00::/64]:/mnt/ltfs0"]]);
  });

  it("throws ExportRequiresFsidError for a FUSE mount without fsid, and withdraws the half-made export", async () => {
    const exportfs = fakeExportfs((args) =>
      args[0] === "-u"
        ? {}
        : { exitCode: 1, stderr: "exportfs: /mnt/ltfs0 requires fsid= for NFS export\n" },
    );
    const error = await exportFolder({
      exportfsPath: "exportfs",
      client: "192.168.0.0/16",
      options: "ro",
      path: "/mnt/ltfs0",
      run: exportfs.run,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportRequiresFsidError);
    expect(error).toMatchObject({ code: "EXPORTFS_REQUIRES_FSID" });
    expect((error as ExportRequiresFsidError).hint).toContain("settings = ro,fsid=1");
    expect(exportfs.calls).toEqual([
      ["exportfs", "-o", "ro", "192.168.0.0/16:/mnt/ltfs0"],
      ["exportfs", "-u", "192.168.0.0/16:/mnt/ltfs0"],
    ]);
  });

  it("throws ExportfsFailedError quoting exportfs for other failures", async () => {
    const exportfs = fakeExportfs((args) =>
      args[0] === "-u"
        ? { exitCode: 1, stderr: "exportfs: Could not find '192.168.0.0/16:/nope' to unexport.\n" }
        : { exitCode: 1, stderr: "exportfs: Failed to stat /nope: No such file or directory\n" },
    );
    const error = await exportFolder({
      exportfsPath: "exportfs",
      client: "192.168.0.0/16",
      options: "ro,fsid=1",
      path: "/nope",
      run: exportfs.run,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportfsFailedError);
    expect(error).toMatchObject({ code: "EXPORTFS_FAILED" });
    expect((error as Error).message).toBe(
      "exportfs -o ro,fsid=1 192.168.0.0/16:/nope exited with status 1: exportfs: Failed to stat /nope: No such file or directory",
    );
  });
});

describe("unexportFolder", () => {
  it("runs `exportfs -u <client>:<path>`", async () => {
    const exportfs = fakeExportfs(() => ({}));
    const result = await unexportFolder({
      exportfsPath: "exportfs",
      client: "192.168.0.0/16",
      path: "/mnt/ltfs0",
      run: exportfs.run,
    });
    expect(exportfs.calls).toEqual([["exportfs", "-u", "192.168.0.0/16:/mnt/ltfs0"]]);
    expect(result).toEqual({ wasExported: true });
  });

  it("takes 'Could not find … to unexport' as already unexported", async () => {
    const exportfs = fakeExportfs(() => ({
      exitCode: 1,
      stderr: "exportfs: Could not find '192.168.0.0/16:/mnt/ltfs0' to unexport.\n",
    }));
    expect(
      await unexportFolder({
        exportfsPath: "exportfs",
        client: "192.168.0.0/16",
        path: "/mnt/ltfs0",
        run: exportfs.run,
      }),
    ).toEqual({ wasExported: false });
  });

  it("throws ExportfsFailedError when exportfs fails otherwise", async () => {
    const exportfs = fakeExportfs(() => ({
      exitCode: 1,
      stderr: "exportfs: Invalid export syntax: 192.168.0.0/16\n",
    }));
    await expect(
      unexportFolder({
        exportfsPath: "exportfs",
        client: "192.168.0.0/16",
        path: "",
        run: exportfs.run,
      }),
    ).rejects.toBeInstanceOf(ExportfsFailedError);
  });
});

describe("listExports", () => {
  it("runs `exportfs -v` and parses the listing (exportfs-v-two-long-paths-wrapped-no-root-squash.txt)", async () => {
    const exportfs = fakeExportfs(() => ({
      stdout: readFixture("real/exportfs/exportfs-v-two-long-paths-wrapped-no-root-squash.txt"),
    }));
    const exports = await listExports({ exportfsPath: "/usr/sbin/exportfs", run: exportfs.run });
    expect(exportfs.calls).toEqual([["/usr/sbin/exportfs", "-v"]]);
    expect(exports.map((e) => e.path)).toEqual(["/mnt/raid_storage", "/mnt/lvm_storage"]);
  });
});
