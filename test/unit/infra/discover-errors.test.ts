import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverMain } from "../../../infra/scripts/discover-main.ts";
import type { ScriptIo } from "../../../infra/scripts/script-support.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { runScriptRecorded } from "../../helpers/run-script.ts";
import { writeShellScript } from "../../helpers/shell-script.ts";

/*
 * What discover says when it cannot do its job: a wrong command line (nothing runs) and a
 * machine whose lsscsi lists a tape drive but no changer (the real listing of a standalone
 * Quantum drive, test/fixtures/real/lsscsi/plain-quantum-hh7-standalone.txt).
 */

let tools: string;

beforeAll(() => {
  tools = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-discover-"));
  const listing = fs.readFileSync(
    new URL("../../fixtures/real/lsscsi/plain-quantum-hh7-standalone.txt", import.meta.url),
    "utf8",
  );
  writeShellScript(tools, "lsscsi", `cat <<'LISTING'\n${listing}LISTING`);
});

afterAll(() => {
  fs.rmSync(tools, { recursive: true, force: true });
});

function discover(argv: string[]) {
  return runScriptRecorded(discoverMain, argv, tools);
}

/** The catalogue code of what discoverMain throws. */
async function codeThrownBy(argv: string[]): Promise<string> {
  const io: ScriptIo = { stdout: () => {}, stderr: () => {}, env: {}, cwd: tools };
  try {
    await discoverMain(argv, io);
  } catch (error) {
    if (error instanceof PytarchiveError) return error.code;
    throw error;
  }
  throw new Error("discover did not fail");
}

describe("discover's errors", () => {
  it("refuses a relative tools path before running anything (SCRIPT_USAGE, exit 2)", async () => {
    const result = await discover(["--tools-path", "sim/bin"]);
    expect(result).toEqual({
      exitCode: 2,
      stdout: "",
      stderr:
        'error: --tools-path must be an absolute path, not "sim/bin".\nhint: Run `infra/scripts/discover --help`.\n',
    });
    expect(await codeThrownBy(["--tools-path", "sim/bin"])).toBe("SCRIPT_USAGE");
  });

  it("says that lsscsi lists no changer, with what to check (DISCOVER_NO_CHANGER, exit 1)", async () => {
    const result = await discover(["--tools-path", tools]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      "error: lsscsi -g lists no medium changer (1 tape drive(s) seen).\nhint: Check that the library is connected",
    );
    expect(await codeThrownBy(["--tools-path", tools])).toBe("DISCOVER_NO_CHANGER");
  });
});
