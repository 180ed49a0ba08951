import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { launchPytarchive } from "../../../services/launcher/launch.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import { findFreePort } from "../../helpers/nats-server.ts";
import { makeTempDir, removeTempDirs } from "../../unit/config/config-test-helpers.ts";

afterAll(removeTempDirs);

describe("npm start's own nats-server", () => {
  it("stopping on its own fails pytarchive with NATS_SERVER_STOPPED, saying to start it again", async () => {
    const stateDir = path.join(makeTempDir(), "state");
    const config = parseConfig(
      ["[Device]", "simulate = yes", "[Paths]", `state_dir = ${stateDir}`, ""].join("\n"),
      "test.conf",
      {},
    );
    const log = createLogger({ service: "launcher", stream: { write: () => true } });
    const running = await launchPytarchive({
      config,
      services: [],
      log,
      natsPort: await findFreePort(),
    });
    try {
      const pid = running.embeddedNats?.pid;
      expect(pid).toBeGreaterThan(0);
      process.kill(pid as number, "SIGKILL");
      await expect(running.failure).rejects.toMatchObject({
        code: "NATS_SERVER_STOPPED",
        message: expect.stringContaining("The embedded nats-server stopped on its own (SIGKILL)."),
        hint: expect.stringContaining("start it again with `npm start`"),
      });
    } finally {
      await running.stop();
    }
  }, 60_000);
});
