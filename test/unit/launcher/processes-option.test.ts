import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCommand } from "../../../shared/exec/index.ts";

/*
 * `npm start -- --processes …` with a layout that does not exist: refused before anything is read
 * or started, naming the three there are.
 */

const main = fileURLToPath(new URL("../../../services/launcher/main.ts", import.meta.url));

describe("npm start --processes", () => {
  it("is CLI_USAGE for a layout that does not exist", async () => {
    const run = await runCommand(
      process.execPath,
      ["--import", "tsx", main, "--processes", "two"],
      {
        timeoutMs: 60_000,
      },
    );

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "error [CLI_USAGE]: --processes two: expected one of one, split, each.\n" +
        "split (the default) keeps the data path apart from the gateway and the catalog; each runs one process a service; one runs everything in the launcher.\n",
    );
  });

  it("is listed in the help", async () => {
    const run = await runCommand(process.execPath, ["--import", "tsx", main, "--help"], {
      timeoutMs: 60_000,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("[--processes split|each|one]");
  });
});
