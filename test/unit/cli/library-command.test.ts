import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { MTX_FIXTURES, runCli } from "./run-cli.ts";

let cwd: string;

beforeAll(() => {
  // A working directory far from the checkout: the command must not depend on it.
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), "pytarchive-cli-"));
});

afterAll(() => {
  fs.rmSync(cwd, { recursive: true, force: true });
});

function fixture(name: string): string {
  return path.join(MTX_FIXTURES, name);
}

async function libraryJson(name: string, ...extra: string[]) {
  const result = await runCli(
    ["library", "--mtx-status-file", fixture(name), "--json", ...extra],
    cwd,
  );
  if (result.exitCode !== 0 || result.stderr !== "") {
    throw new Error(`pytarchive library exited ${result.exitCode}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout);
}

describe.concurrent("pytarchive library --mtx-status-file FILE --json", () => {
  it("status-pytarchive-1drv-24slot-lto9-drive-loaded-trailing-spaces.txt: prints drives and slots in the documented shape", async ({
    expect,
  }) => {
    const json = await libraryJson(
      "status-pytarchive-1drv-24slot-lto9-drive-loaded-trailing-spaces.txt",
    );
    expect(json.drives).toHaveLength(1);
    expect(json.drives[0]).toMatchObject({
      index: 0,
      full: true,
      barcode: "AAK787L9",
      sourceSlot: 24,
    });
    expect(json.slots).toHaveLength(24);
    expect(json.slots[0]).toMatchObject({
      index: 1,
      full: true,
      barcode: "AAK788L9",
      importExport: false,
    });
    expect(json.slots[1]).toMatchObject({ index: 2, barcode: "CLN670L1", cleaning: true });
    expect(json.slots[23]).toMatchObject({ index: 24, full: false, barcode: null });
    expect([json.device, json.driveCount, json.slotCount, json.importExportCount]).toEqual([
      "/dev/sch0",
      1,
      24,
      0,
    ]);
  });

  it("status-pve-sch0-2drv-24slot-1ie-lto5-sparse.txt: null barcode and sourceSlot for an empty drive, I/E slot flagged", async ({
    expect,
  }) => {
    const json = await libraryJson("status-pve-sch0-2drv-24slot-1ie-lto5-sparse.txt");
    expect(json.drives[1]).toMatchObject({
      index: 1,
      full: false,
      barcode: null,
      sourceSlot: null,
    });
    expect(json.slots[23]).toMatchObject({ index: 24, full: false, importExport: true });
  });

  it("status-freebsd-pass-ibm3361-2drv-38slot-36ie-full-without-tag.txt: a full slot without a label has barcode null", async ({
    expect,
  }) => {
    const json = await libraryJson(
      "status-freebsd-pass-ibm3361-2drv-38slot-36ie-full-without-tag.txt",
    );
    expect(json.slots[5]).toMatchObject({
      index: 6,
      full: true,
      barcode: null,
      importExport: true,
    });
  });

  it("status-ibm-ts4500-3drv-1840slot-255ie-lto10-empty-slots-blank-tag-TRUNCATED.txt: shown with --allow-truncated, marked truncated", async ({
    expect,
  }) => {
    const json = await libraryJson(
      "status-ibm-ts4500-3drv-1840slot-255ie-lto10-empty-slots-blank-tag-TRUNCATED.txt",
      "--allow-truncated",
    );
    expect(json.truncated).toBe(true);
    expect(json.slotCount).toBe(1840);
    expect(json.slots).toHaveLength(48);
  });

  it("reads a relative path from the working directory", async ({ expect }) => {
    const result = await runCli(
      ["library", "--json", "--mtx-status-file", "status-pbs-test-2drv-24slot-4ie-cln-cu.txt"],
      MTX_FIXTURES,
    );
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).slots[0]).toMatchObject({
      barcode: "CLN002CU",
      cleaning: true,
    });
  });
});

describe.concurrent("pytarchive library --mtx-status-file FILE (table)", () => {
  it("status-hera-2drv-24slot-1ie-lto9-two-drives-same-source-slot.txt: drives, then slots, with I/E and cleaning tapes marked", async ({
    expect,
  }) => {
    const result = await runCli(
      [
        "library",
        "--mtx-status-file",
        fixture("status-hera-2drv-24slot-1ie-lto9-two-drives-same-source-slot.txt"),
      ],
      cwd,
    );
    expect(result.exitCode).toBe(0);
    const out = result.stdout;
    expect(out).toContain("Library /dev/sg25: 2 drives, 24 slots (1 import/export)");
    expect(out).toMatch(/^DRIVE +STATE +BARCODE +FROM SLOT +NOTE$/m);
    expect(out).toMatch(/^0 +full +042142L9 +8$/m);
    expect(out).toMatch(/^1 +full +HER002L9 +8$/m);
    expect(out).toMatch(/^8 +empty +-$/m);
    expect(out).toMatch(/^12 +full +CLN003L1 +cleaning tape$/m);
    expect(out).toMatch(/^24 +full +HER003L9 +import\/export$/m);
    expect(out.indexOf("DRIVE")).toBeLessThan(out.indexOf("SLOT "));
    // columns line up: every slot row starts its barcode where the header's BARCODE starts
    const lines = out.split("\n");
    const header = lines.find((line) => line.startsWith("SLOT")) as string;
    const row = lines.find((line) => line.startsWith("13 ")) as string;
    expect(row.indexOf("HER021L9")).toBe(header.indexOf("BARCODE"));
  });

  it("status-ibm03584-3drv-24slot-4ie-short-barcodes-padded-drive.txt: the drive's padded tag is shown trimmed", async ({
    expect,
  }) => {
    const result = await runCli(
      [
        "library",
        "--mtx-status-file",
        fixture("status-ibm03584-3drv-24slot-4ie-short-barcodes-padded-drive.txt"),
      ],
      cwd,
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^0 +full +BRU003 +12$/m);
    expect(result.stdout).toMatch(/^21 +empty +- +import\/export$/m);
  });
});

describe.concurrent("pytarchive library errors", () => {
  it("inquiry-ibm-03584L32-ts4500.txt: not a status output, exits 1 naming the line, no stack", async ({
    expect,
  }) => {
    const result = await runCli(
      ["library", "--mtx-status-file", fixture("inquiry-ibm-03584L32-ts4500.txt")],
      cwd,
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^error: .*Line 1 .*"Product Type: Medium Changer"/m);
    expect(result.stderr).toMatch(/^hint: /m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it("compat-header-inquiry-spectra-trailing-ws.txt: exits 1 naming line 2", async ({ expect }) => {
    const result = await runCli(
      ["library", "--mtx-status-file", fixture("compat-header-inquiry-spectra-trailing-ws.txt")],
      cwd,
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("Line 2");
  });

  it("status-ibm-ts4500-3drv-1840slot-255ie-lto10-empty-slots-blank-tag-TRUNCATED.txt: refused without --allow-truncated, with a hint naming it", async ({
    expect,
  }) => {
    const result = await runCli(
      [
        "library",
        "--mtx-status-file",
        fixture("status-ibm-ts4500-3drv-1840slot-255ie-lto10-empty-slots-blank-tag-TRUNCATED.txt"),
      ],
      cwd,
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("1840 slots");
    expect(result.stderr).toContain("--allow-truncated");
  });

  it("a missing file exits 1 with a clear message", async ({ expect }) => {
    const result = await runCli(["library", "--mtx-status-file", "no-such-status.txt"], cwd);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      "error: Cannot read the mtx status file no-such-status.txt: no such file.",
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it("--allow-truncated without --mtx-status-file exits 2 before asking pytarchive", async ({
    expect,
  }) => {
    const result = await runCli(["library", "--allow-truncated"], cwd);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      "--allow-truncated applies only to a saved status (--mtx-status-file FILE)",
    );
  });

  it("an unknown option exits 2 and points to --help", async ({ expect }) => {
    const result = await runCli(["library", "--colour"], cwd);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("'--colour'");
    expect(result.stderr).toContain("pytarchive library --help");
  });
});

describe.concurrent("pytarchive program", () => {
  it("--help lists the commands, exit 0", async ({ expect }) => {
    const result = await runCli(["--help"], cwd);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ {2}library +show drives, slots and tapes/m);
  });

  it("library --help prints the verb's usage, exit 0", async ({ expect }) => {
    const result = await runCli(["library", "--help"], cwd);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("usage: pytarchive library [--json]\n");
    expect(result.stdout).toContain(
      "pytarchive library --mtx-status-file FILE [--json] [--allow-truncated]",
    );
    expect(result.stdout).toContain("pytarchive must be running");
  });

  it("an unknown command lists the commands, exit 2", async ({ expect }) => {
    const result = await runCli(["archvie", "/data/x", "TAPE01L9"], cwd);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      "error: Unknown command 'archvie'. Commands: prepare, archive, restore,",
    );
    // Every verb is listed, the last ones too.
    expect(result.stderr).toMatch(/, import-legacy, library, completion\.\n/);
  });

  it("no command prints the help on stderr, exit 2", async ({ expect }) => {
    const result = await runCli([], cwd);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("usage: pytarchive <command> [options]");
  });
});
