import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  createTestLibrary,
  isRunning,
  procMountsLine,
  recordedDaemonPid,
  runTool,
  type TestLibrary,
  umount,
  waitUntil,
} from "../ltfs/simulated-drives.ts";

const libraries: TestLibrary[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const library of libraries.splice(0)) library.cleanup();
});

describe("explore on the simulated library: exportfs, fuser -km, umount", () => {
  it("ends a reader inside an LTFS mount with fuser -km but leaves the ltfs daemon alone", async () => {
    const library = createTestLibrary({
      tapes: [{ barcode: "EXP001L9" }],
      loaded: { 0: "EXP001L9" },
    });
    libraries.push(library);
    const env = { PYTARCHIVE_SIM_STATE: library.stateDir };
    const mountPoint = library.mountPoint(0);
    expect((await runTool("mkltfs", ["-q", "-d", library.device(0)])).exitCode).toBe(0);
    const mount = await runTool("ltfs", [
      "-o",
      `devname=${library.device(0)}`,
      "-o",
      "ro",
      mountPoint,
    ]);
    expect(mount.exitCode).toBe(0);
    expect(procMountsLine(mountPoint)).toMatch(/ ext4 ro,/);
    const daemon = recordedDaemonPid(library, 0) as number;

    const exported = await runTool(
      "exportfs",
      ["-o", "ro,no_subtree_check", `10.0.0.0/24:${mountPoint}`],
      env,
    );
    expect(exported.exitCode).toBe(0);
    expect((await runTool("exportfs", ["-v"], env)).stdout).toContain(`\t\t10.0.0.0/24(sync,`);

    const reader = spawn("sleep", ["60"], { cwd: mountPoint, stdio: "ignore" });
    children.push(reader);
    const readerGone = new Promise((resolve) =>
      reader.on("exit", (_code, signal) => resolve(signal)),
    );
    const killed = await runTool("fuser", ["-km", mountPoint], env);
    expect(killed.exitCode).toBe(0);
    expect(killed.stdout).toBe(` ${String(reader.pid).padStart(5)}`);
    expect(await readerGone).toBe("SIGKILL");
    expect(isRunning(daemon)).toBe(true);

    expect((await runTool("exportfs", ["-u", `10.0.0.0/24:${mountPoint}`], env)).exitCode).toBe(0);
    expect((await runTool("exportfs", [], env)).stdout).toBe("");
    umount(mountPoint);
    expect(await waitUntil(() => !isRunning(daemon), 20_000)).toBe(true);
    expect(fs.existsSync(`${library.stateDir}/run/drive0.json`)).toBe(false);
  }, 90_000);
});
