import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { existingState } from "../../../../infra/simulator/sim-cli.ts";
import { runCommand } from "../../../../shared/exec/index.ts";
import { temporaryFolder } from "../changer/simulated-library.ts";

/*
 * pytarchive-sim prints an error as message and hint only, so the code is asserted on the
 * function that throws it, and what a user sees on the program itself.
 */

const cli = fileURLToPath(new URL("../../../../bin/pytarchive-sim.mjs", import.meta.url));
const sim = (...args: string[]) =>
  runCommand(process.execPath, [cli, ...args], { timeoutMs: 60_000 });

describe("pytarchive-sim without a usable --state", () => {
  it("is SIM_USAGE when --state is missing, pointing at --help, and exits 2", async () => {
    expect(() => existingState(undefined)).toThrow(
      expect.objectContaining({
        code: "SIM_USAGE",
        message: "--state DIR is required: the folder of the simulated library.",
        hint: "Run `pytarchive-sim --help` for the commands and options.",
      }),
    );

    const run = await sim("status");

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(
      "pytarchive-sim: --state DIR is required: the folder of the simulated library.\n" +
        "Run `pytarchive-sim --help` for the commands and options.\n",
    );
  });

  it("is SIM_NO_LIBRARY when the folder holds no library, saying how to create one, and exits 1", async () => {
    const empty = temporaryFolder();
    expect(() => existingState(empty)).toThrow(
      expect.objectContaining({
        code: "SIM_NO_LIBRARY",
        message: `${empty} holds no simulated library (no library.json).`,
        hint: `Create one with: pytarchive-sim create --state ${empty}`,
      }),
    );

    const run = await sim("env", "--state", empty);

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `pytarchive-sim: ${empty} holds no simulated library (no library.json).\n` +
        `Create one with: pytarchive-sim create --state ${empty}\n`,
    );
  });
});
