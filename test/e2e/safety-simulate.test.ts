import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { freePort, REPO_ROOT } from "../harness/stack.ts";
import { type E2eStack, startE2eStack } from "./support.ts";

/*
 * Finding 1 of issue 9: the original's example pytarchive.conf (`library = /dev/sch0`) on a host
 * without /dev/sch0 used to start the built-in simulated library with one info line, and a
 * folder "archived" there was then offered by `deleteable` as safe to delete. Now the launcher
 * refuses to start unless the simulation is asked for; asked for, everything on it is marked.
 */

// The original README's configuration, byte for byte (trailing blanks included).
const ORIGINAL_CONF = [
  "[General]",
  "tape_max_size = 17138671616",
  "exclude_folders = .local, .cache, .config ",
  "source_folders = /path/to/user/homes, /another/network/drive # Paths for pytarchive inventory",
  "scratch_path = /tmp # Path where compressed folders are stored.",
  "",
  "[Device]",
  "library = /dev/sch0 # the device id of the changer (not the tape drive)",
  "drive_serial = 10WT012345 # obtain with sudo tapeinfo -f /dev/st0 ",
  "",
  "[Export]",
  "to = 192.168.0.0/16 # Network to export to for pytarchive explore",
  "settings = ro,fsid=1 # NFS export options",
  "",
].join("\n");

/** Command lines of the running processes that mention `text`. */
async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const commandLine = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (commandLine.includes(text)) found.push(commandLine.replaceAll("\0", " ").trim());
  }
  return found;
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
}, 120_000);

describe("the original's pytarchive.conf on a host without its changer", () => {
  it("stops `npm start` with a clear error naming /dev/sch0 and the two ways out, starting nothing", async () => {
    expect(existsSync("/dev/sch0")).toBe(false);
    const home = await mkdtemp(path.join(tmpdir(), "pyt-nosim-"));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    const configFile = path.join(home, "pytarchive.conf");
    await writeFile(configFile, ORIGINAL_CONF);
    const state = path.join(home, "state");
    const natsPort = await freePort();
    // The launcher as `npm start -- --config FILE` runs it; no PYTARCHIVE_* of this machine's.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith("PYTARCHIVE_")),
    );
    const child: ChildProcess = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(REPO_ROOT, "services/launcher/main.ts"),
        "--config",
        configFile,
        "--nats-port",
        String(natsPort),
      ],
      {
        cwd: REPO_ROOT,
        // The original's file has no state_dir: keep everything this test could create in `home`.
        env: { ...inherited, PYTARCHIVE_STATE_DIR: state },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        // The old behaviour: it ran on a simulated library instead of stopping.
        child.kill("SIGKILL");
      }, 60_000);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });

    expect({ exitCode, stdout }).toEqual({ exitCode: 1, stdout: "" });
    expect(stderr).toBe(
      `error [CHANGER_MISSING]: The tape changer /dev/sch0 (configured in ${configFile}, [Device] library) does not exist on this machine; pytarchive did not start.\n` +
        "Connect the changer, or set [Device] library to its device (`ls /dev/sch*`, `lsscsi -g`); or, to try pytarchive without tapes, ask for the simulated library: `npm start -- --simulate` or [Device] simulate = yes.\n",
    );
    // Nothing was started or created: no state folder (so no simulated library), no nats-server.
    expect(existsSync(state)).toBe(false);
    expect(await processesMentioning(home)).toEqual([]);
    expect(await listening(natsPort)).toBe(false);
  }, 90_000);
});

describe("the same [Device] lines with --simulate", () => {
  let e2e: E2eStack;

  it("runs on the simulated library, says so, and marks every tape simulated in the catalog, `tapes` and `summary`", async () => {
    e2e = await startE2eStack({
      extraConfig: [
        "[Device]",
        "library = /dev/sch0 # the device id of the changer (not the tape drive)",
        "drive_serial = 10WT012345 # obtain with sudo tapeinfo -f /dev/st0 ",
      ],
    });
    cleanups.push(() => e2e.close());
    const said = e2e.stack.output.join("\n");
    expect(said).toContain(
      `Tapes:     SIMULATED library in ${e2e.simulator} (loop images, not an archive)`,
    );
    expect(said).toContain("a SIMULATED tape library");

    const { tapes } = await e2e.cli.json<{
      tapes: { barcode: string; cleaning: boolean; simulated: boolean }[];
    }>(["tapes"]);
    expect(tapes.length).toBeGreaterThan(0);
    expect(tapes.filter((tape) => !tape.simulated)).toEqual([]);
    const text = await e2e.cli.run(["tapes"]);
    expect(text.exitCode).toBe(0);
    for (const tape of tapes) {
      expect(text.stdout).toMatch(new RegExp(`^${tape.barcode} .*SIMULATED$`, "m"));
    }
    expect(text.stdout).toContain(
      `${tapes.length} tapes; ${tapes.length} SIMULATED (loop images of a simulated library: nothing on them is an archive).`,
    );
    const { rows } = await e2e.db.query<{ barcode: string; simulated: boolean }>(
      "select barcode, simulated from tapes order by barcode",
    );
    expect(rows).toEqual(tapes.map((tape) => ({ barcode: tape.barcode, simulated: true })));
  }, 180_000);

  it("archives a folder there, and `deleteable` lists it apart as not safe to delete, saying why", async () => {
    const folder = path.join(e2e.home, "srv", "projects", "Only On A Loop Image");
    await makeSampleTree(folder, { largeFiles: 1, largeFileBytes: 256 * 1024, smallFiles: 4 });
    const { tapes } = await e2e.cli.json<{ tapes: { barcode: string; cleaning: boolean }[] }>([
      "tapes",
    ]);
    const tape = tapes.find((entry) => !entry.cleaning)?.barcode ?? "";
    expect(await e2e.run(["prepare", folder, "archived on a simulated tape"])).toMatchObject({
      state: "done",
    });
    expect(await e2e.run(["archive", folder, tape])).toMatchObject({ state: "done" });

    const summary = await e2e.cli.json<{
      tapes: {
        barcode: string;
        simulated: boolean;
        folders: { path: string; simulated: boolean }[];
      }[];
    }>(["summary"]);
    expect(summary.tapes.find((entry) => entry.barcode === tape)).toMatchObject({
      simulated: true,
      folders: [{ path: folder, simulated: true }],
    });
    const summaryText = (await e2e.cli.run(["summary"])).stdout;
    expect(summaryText).toMatch(
      new RegExp(
        `^${tape} .*SIMULATED \\(loop image of a simulated library, not an archive\\)$`,
        "m",
      ),
    );
    expect(summaryText).toContain(`    ${folder} -> `);
    expect(summaryText).toMatch(/archived on a simulated tape \[simulated copy only\]$/m);

    // Archived and read back, original still there: before the fix, listed as safe to delete.
    const listed = await e2e.cli.json<{
      deleteable: { path: string }[];
      unchecked: unknown[];
      simulatedOnly: { path: string; tape: string; description: string }[];
    }>(["deleteable"]);
    expect(listed).toEqual({
      deleteable: [],
      unchecked: [],
      simulatedOnly: [
        expect.objectContaining({
          path: folder,
          tape,
          description: "archived on a simulated tape",
        }),
      ],
    });
    const text = await e2e.cli.run(["deleteable"]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).not.toContain("Can be deleted");
    expect(text.stdout).toContain(
      "NOT safe to delete: archived only on SIMULATED tapes (loop images of a simulated library, not an archive):",
    );
    expect(text.stdout).toContain(folder);
  }, 420_000);

  it("shows the tapes as simulated on the status page", async () => {
    const port = /\[HTTP\]\nport = (\d+)/.exec(await readFile(e2e.configFile, "utf8"))?.[1];
    // The page reads the tapes in the background: the first answer may not list them yet.
    let page = "";
    await expect
      .poll(
        async () => {
          page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
          return /<code>SIM001L9<\/code> <strong class="simulated">SIMULATED<\/strong>/.test(page);
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);
    expect(page).toMatch(
      /<p class="simulated">SIMULATED library \(\[Device\] simulate\)\. \d+ SIMULATED tapes: loop images of a simulated library/,
    );
  }, 60_000);
});
