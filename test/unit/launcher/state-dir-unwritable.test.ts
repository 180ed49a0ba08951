import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { launchPytarchive } from "../../../services/launcher/launch.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import { makeTempDir, removeTempDirs } from "../config/config-test-helpers.ts";

afterAll(removeTempDirs);

describe("npm start with a state folder it cannot make", () => {
  it("stops with STATE_DIR_UNWRITABLE before starting anything, saying how to choose another", async () => {
    const notAFolder = path.join(makeTempDir(), "a-file");
    fs.writeFileSync(notAFolder, "a file where the state folder's parent should be");
    const stateDir = path.join(notAFolder, "state");
    const config = parseConfig(
      ["[Device]", "simulate = yes", "[Paths]", `state_dir = ${stateDir}`, ""].join("\n"),
      "test.conf",
      {},
    );
    const log = createLogger({ service: "launcher", stream: { write: () => true } });
    await expect(launchPytarchive({ config, services: [], log })).rejects.toMatchObject({
      code: "STATE_DIR_UNWRITABLE",
      message: expect.stringContaining(`The state folder ${stateDir} cannot be created or written`),
      hint: expect.stringContaining("PYTARCHIVE_STATE_DIR or [Paths] state_dir"),
    });
    expect(fs.readFileSync(notAFolder, "utf8")).toBe(
      "a file where the state folder's parent should be",
    );
  });
});
