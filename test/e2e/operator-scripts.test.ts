import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSimulatedLibrary } from "../../infra/simulator/create-library.ts";
import type { SimulatorLayout } from "../../infra/simulator/layout.ts";
import { expectExit, runCommand } from "../../shared/exec/index.ts";
import { makeSampleTree } from "../harness/sample-tree.ts";
import { REPO_ROOT } from "../harness/stack.ts";
import { type E2eStack, mountsBelow, startE2eStack } from "./support.ts";

/*
 * The operator scripts against a running pytarchive on a simulated library, one stack for the
 * file: discover's configuration, used as is, is the one pytarchive runs on.
 */

let root: string;
let library: SimulatorLayout;
let discovered: string;
let e2e: E2eStack;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "pyt-ops-"));
  // Drive 1 holds a tape, so discover can tell the drives apart without guessing.
  library = await createSimulatedLibrary({
    stateDir: path.join(root, "library"),
    drives: 2,
    slots: 8,
    generate: 4,
    capacityMiB: 256,
    loaded: [{ drive: 1, slot: 4 }],
    moveDelayMs: 0,
  });
  const result = await runCommand(
    path.join(REPO_ROOT, "infra/scripts/discover"),
    ["--tools-path", library.binDir, "--mount-prefix", `${library.mountDir}/`],
    { timeoutMs: 60_000, cwd: root },
  );
  discovered = expectExit(result).stdout;
  e2e = await startE2eStack({ extraConfig: discovered.split("\n") });
}, 180_000);

afterAll(async () => {
  await e2e?.close();
  if (root) await rm(root, { recursive: true, force: true });
}, 60_000);

describe("infra/scripts/discover", () => {
  it("prints the changer and each drive with its serial and its element, saying how it knows", () => {
    expect(discovered).toContain(`[Device]\n# changer: IBM 3573-TL`);
    expect(discovered).toContain(`library = ${library.changerDevice}\n`);
    expect(discovered).toContain("simulate = yes\n");
    expect(discovered).toContain(`[Tools]\npath = ${library.binDir}\n`);
    for (const drive of [0, 1]) {
      expect(discovered).toContain(
        `device = ${library.driveDevice(drive)}\nserial = SIMDRV000${drive}\nmount_point = ${library.defaultMountPoint(drive)}\n`,
      );
    }
    expect(discovered).toMatch(
      /\[Drive 1\]\n.*\n# Data Transfer Element 1: the only drive with a tape ready/,
    );
    expect(discovered).toMatch(
      /\[Drive 0\]\n.*\n# Data Transfer Element 0: the only drive without a tape/,
    );
    expect(discovered).not.toContain("ASSUMED");
  });

  it("drives the simulated library end to end with its configuration used as is", async () => {
    // pytarchive runs on the library discover found, not on one of its own in the state folder.
    expect(e2e.stack.output.join("\n")).toContain(library.stateDir);
    expect(existsSync(path.join(e2e.state, "sim"))).toBe(false);
    const tapes = await e2e.cli.json<{
      tapes: { barcode: string; cleaning: boolean; location: string }[];
    }>(["tapes"]);
    const tape = tapes.tapes.find((entry) => !entry.cleaning && entry.location === "slot");
    expect(tape).toBeDefined();
    const barcode = (tape as { barcode: string }).barcode;
    const folder = path.join(e2e.home, "projects", "discovered");
    await makeSampleTree(folder, { largeFiles: 1, largeFileBytes: 1024 * 1024, smallFiles: 10 });

    expect(await e2e.run(["prepare", folder, "found by discover"])).toMatchObject({
      state: "done",
    });
    expect(await e2e.run(["archive", folder, barcode])).toMatchObject({ state: "done" });

    expect((await readdir(library.tapeDir(barcode))).length).toBeGreaterThan(0);
    expect(await mountsBelow(library.mountDir)).toEqual([]);
  }, 240_000);
});

describe("bash completion of tape barcodes", () => {
  it("offers the barcodes of the running pytarchive where a tape goes", async () => {
    const bin = path.join(root, "bin");
    await mkdir(bin);
    // What `npm link` makes: the command on PATH, a link to bin/pytarchive.mjs.
    await symlink(path.join(REPO_ROOT, "bin/pytarchive.mjs"), path.join(bin, "pytarchive"));
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      PYTARCHIVE_CONFIG: e2e.configFile,
      // The CLI starts in seconds on a loaded CI machine; the default 3 s is for people.
      PYTARCHIVE_COMPLETION_TIMEOUT: "30",
    };
    const script = path.join(root, "pytarchive.bash");
    await writeFile(script, expectExit(await e2e.cli.run(["completion", "bash"])).stdout);
    const complete = async (words: string[]) => {
      const result = await runCommand(
        "bash",
        [
          "-c",
          `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pytarchive; printf '%s\\n' "\${COMPREPLY[@]}"`,
          "bash",
          script,
          ...words,
        ],
        { env, timeoutMs: 30_000 },
      );
      return expectExit(result)
        .stdout.split("\n")
        .filter((line) => line !== "");
    };
    const listed = await e2e.cli.json<{ tapes: { barcode: string }[] }>(["tapes"]);
    const barcodes = listed.tapes.map((tape) => tape.barcode);
    expect(barcodes.length).toBeGreaterThan(1);

    expect(await complete(["pytarchive", "archive", "/data/x", ""])).toEqual(barcodes);
    const first = barcodes[0] as string;
    expect(await complete(["pytarchive", "explore", first])).toEqual([first]);
  }, 60_000);
});

describe("infra/scripts/support-bundle with pytarchive running", () => {
  it("holds queue and history as the CLI's JSON, and tapeinfo of the drives discover found", async () => {
    const output = path.join(root, "bundles");
    await mkdir(output);
    const result = await runCommand(
      path.join(REPO_ROOT, "infra/scripts/support-bundle"),
      ["--log", path.join(root, "no-such.log"), "--output", output],
      { cwd: root, timeoutMs: 120_000, env: { ...process.env, PYTARCHIVE_CONFIG: e2e.configFile } },
    );
    const bundle = expectExit(result).stdout.trim();
    const listing = expectExit(await runCommand("tar", ["-tzf", bundle])).stdout;
    expect(listing).toContain("/queue.json\n");
    expect(listing).toContain("/history.json\n");
    expect(listing).toContain("/tapeinfo-drive-1.txt\n");
    const history = expectExit(
      await runCommand("tar", ["-xzOf", bundle, "--wildcards", "*/history.json"]),
    ).stdout;
    expect(JSON.stringify(JSON.parse(history))).toContain('"archive"');
    const log = expectExit(
      await runCommand("tar", ["-xzOf", bundle, "--wildcards", "*/log-tail.txt"]),
    ).stdout;
    expect(log).toContain("could not be read");
  }, 120_000);
});
