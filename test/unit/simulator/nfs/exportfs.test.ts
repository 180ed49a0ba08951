import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runTool } from "../ltfs/simulated-drives.ts";

const FIXTURE = fileURLToPath(
  new URL(
    "../../../fixtures/real/exportfs/exportfs-v-tab-exact-short-and-long-path-reconstructed.txt",
    import.meta.url,
  ),
);

let stateDir = "";
let shareDir = "";
beforeEach(() => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "exportfs-sim-test-"));
  shareDir = path.join(stateDir, "share");
  fs.mkdirSync(shareDir);
});
afterEach(() => {
  fs.rmSync(stateDir, { recursive: true, force: true });
});

function exportfs(...args: string[]) {
  return runTool("exportfs", args, { PYTARCHIVE_SIM_STATE: stateDir });
}

describe("simulated exportfs", () => {
  it("lists exports byte for byte as nfs-utils' dump() does (TABs, wrapped long paths, <world>)", async () => {
    // Neither path exists here: like nfs-utils, exportfs complains (exit 1) but keeps the entry.
    const short = await exportfs("-o", "ro", "10.0.0.5:/ltfs");
    expect(short.exitCode).toBe(1);
    expect(short.stderr).toBe("exportfs: Failed to stat /ltfs: No such file or directory\n");
    await exportfs("-o", "ro,no_subtree_check", "*:/srv/archive/ltfs-explore");
    const listing = await exportfs("-v");
    expect(listing.exitCode).toBe(0);
    // The reconstruction follows an older dump(), which listed `secure`; nfs-utils 2.6.2 does not
    // (exportfs-v-debian12-nfs-utils-2.6.2-ro-insecure-fsid-client-column.txt).
    expect(listing.stdout).toBe(fs.readFileSync(FIXTURE, "utf8").replaceAll(",secure,", ","));
  });

  it("adds an export with the defaults filled in and shows it with -v, -s and plain", async () => {
    const added = await exportfs("-o", "rw,no_root_squash,insecure", `192.168.10.0/24:${shareDir}`);
    expect(added).toEqual({ exitCode: 0, stdout: "", stderr: "" });
    const options = "sync,wdelay,hide,no_subtree_check,sec=sys,rw,no_root_squash,no_all_squash";
    expect((await exportfs("-v")).stdout).toBe(`${shareDir}\n\t\t192.168.10.0/24(${options})\n`);
    expect((await exportfs("-s")).stdout).toBe(`${shareDir} 192.168.10.0/24(${options})\n`);
    expect((await exportfs()).stdout).toBe(`${shareDir}\n\t\t192.168.10.0/24\n`);
  });

  it("says what it exports with -v and updates an existing export's options in place", async () => {
    const first = await exportfs("-v", "-o", "ro", `client1:${shareDir}`);
    expect(first.stdout).toBe(`exporting client1:${shareDir}\n`);
    expect(first.stderr).toBe("exportfs: No file systems exported!\n");
    await exportfs("-o", "rw,fsid=7,anonuid=1000", `client1:${shareDir}`);
    expect((await exportfs("-v")).stdout).toBe(
      `${shareDir}\n\t\tclient1(sync,wdelay,hide,no_subtree_check,fsid=7,anonuid=1000,sec=sys,rw,root_squash,no_all_squash)\n`,
    );
  });

  it("removes an export with -u and refuses one that is not exported (exit 1)", async () => {
    await exportfs("-o", "ro", `10.1.2.3:${shareDir}`);
    await exportfs("-o", "ro", `10.1.2.4:${shareDir}`);
    const removed = await exportfs("-uv", `10.1.2.3:${shareDir}`);
    expect(removed).toEqual({
      exitCode: 0,
      stdout: `unexporting 10.1.2.3:${shareDir}\n`,
      stderr: "",
    });
    expect((await exportfs()).stdout).toBe(`${shareDir}\n\t\t10.1.2.4\n`);
    const missing = await exportfs("-u", `10.1.2.3:${shareDir}`);
    expect(missing).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: `exportfs: Could not find '10.1.2.3:${shareDir}' to unexport.\n`,
    });
  });

  it("drops command-line exports on -ra, since the simulated server has no /etc/exports", async () => {
    await exportfs("-o", "ro", `10.1.2.3:${shareDir}`);
    expect((await exportfs("-ra")).exitCode).toBe(0);
    expect((await exportfs("-v")).stdout).toBe("");
  });

  it("refuses an unknown option keyword and changes nothing", async () => {
    const run = await exportfs("-o", "ro,bogus", `10.1.2.3:${shareDir}`);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe('exportfs: command line:0: unknown keyword "bogus"\n');
    expect((await exportfs()).stdout).toBe("");
  });
});
