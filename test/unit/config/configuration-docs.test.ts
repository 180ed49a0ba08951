import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CONFIG_ENV, parseConfig, SETTINGS } from "../../../shared/config/index.ts";
import { makeTempDir, removeTempDirs, writeExecutable } from "./config-test-helpers.ts";

const DOC = fs.readFileSync(
  path.join(import.meta.dirname, "../../../docs/configuration.md"),
  "utf8",
);

/** Every markdown table row of the page, as trimmed cells (no cell here contains "|"). */
const tableRows = DOC.split("\n")
  .filter((line) => line.startsWith("|"))
  .map((line) =>
    line
      .split("|")
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
/** Rows of the reference table: the first cell is a section, e.g. "[General]". */
const referenceRows = tableRows.filter((cells) => /^\[.+\]$/.test(cells[0] ?? ""));

/** The ```ini blocks under a heading. */
function iniBlockAfter(heading: string): string {
  const start = DOC.indexOf(heading);
  expect(start, `heading ${heading}`).toBeGreaterThan(-1);
  const block = /```ini\n([\s\S]*?)```/.exec(DOC.slice(start));
  return block?.[1] ?? "";
}

afterEach(removeTempDirs);

describe("docs/configuration.md", () => {
  it("has one reference row per setting, with its default and environment variable", () => {
    const documented = referenceRows.map(([section, key, defaultValue, , env]) => ({
      section,
      key,
      defaultValue,
      env,
    }));
    const expected = SETTINGS.map((setting) => ({
      section: `[${setting.section}]`,
      key: `\`${setting.key}\``,
      defaultValue: setting.defaultValue,
      env: setting.env === null ? "—" : `\`${setting.env}\``,
    }));
    expect(documented).toEqual(expected);
  });

  it("lists every environment variable", () => {
    const listed = tableRows
      .map((cells) => cells[0])
      .filter((cell) => cell?.startsWith("`PYTARCHIVE_"));
    expect(listed.sort()).toEqual(
      Object.values(CONFIG_ENV)
        .map((variable) => `\`${variable}\``)
        .sort(),
    );
  });

  it("shows the original example, which reads as the original meant", () => {
    const config = parseConfig(iniBlockAfter("## The original example"), "example", {});
    expect(config.general.sourceFolders).toEqual(["/path/to/user/homes", "/another/network/drive"]);
    expect(config.device.drives).toEqual([
      { element: 0, device: "10WT012345", mountPoint: "/ltfs", serial: "10WT012345" },
    ]);
    expect(config.export).toEqual({
      to: "192.168.0.0/16",
      settings: "ro,fsid=1",
      maxSeconds: 604800,
    });
  });

  it("has a two-drive example that reads as two drives", () => {
    const config = parseConfig(
      iniBlockAfter("### Example: a library with two drives"),
      "example",
      {},
    );
    expect(config.device.drives).toEqual([
      { element: 0, device: "10WT012345", mountPoint: "/ltfs0", serial: "10WT012345" },
      { element: 1, device: "/dev/sg3", mountPoint: "/ltfs1", serial: "10WT054321" },
    ]);
    expect(config.nats.libraryId).toBe("basement");
  });

  it("has a simulator example that puts the simulator's tools first", () => {
    const simulator = makeTempDir();
    fs.mkdirSync(path.join(simulator, "bin"));
    const mtx = writeExecutable(path.join(simulator, "bin"), "mtx");
    const text = iniBlockAfter("### Example: the simulated tape library");
    expect(text).toContain("sim = /var/lib/pytarchive/sim\n");
    const config = parseConfig(text.replace("/var/lib/pytarchive/sim", simulator), "example", {});
    expect(config.device.library).toBe(`${simulator}/changer`);
    expect(config.device.drives[0]?.device).toBe(`${simulator}/drives/0`);
    expect(config.tools.mtx).toBe(mtx);
    expect(config.tools.umount).toBe("umount");
  });
});
