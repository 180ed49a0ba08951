import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedNatsServer } from "../../../services/launcher/embedded-nats-server.ts";
import { natsServerVersionOrThrow } from "../../../services/launcher/nats-server-binary.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import { writeShellScript } from "../../helpers/shell-script.ts";

/*
 * What `npm start` says when its own nats-server cannot run: missing, failing at once, its port
 * taken, or never ready. A stand-in script plays the failing nats-server (the real one is run by
 * the launcher's integration test).
 */

let dir: string;
const log = createLogger({ service: "launcher", stream: { write: () => true } });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-nats-start-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(binary: string, readyTimeoutMs = 10_000) {
  const configFile = path.join(dir, "nats-server.conf");
  return startEmbeddedNatsServer({ binary, configFile, log, readyTimeoutMs, stopTimeoutMs: 1_000 });
}

describe("the embedded nats-server", () => {
  it("is NATS_SERVER_NOT_INSTALLED when it is not on PATH, saying how to install it", async () => {
    await expect(natsServerVersionOrThrow(path.join(dir, "no-nats-server"))).rejects.toMatchObject({
      code: "NATS_SERVER_NOT_INSTALLED",
      hint: expect.stringContaining("apt-get install nats-server"),
    });
  });

  it("is NATS_SERVER_UNUSABLE when the program found does not answer like nats-server", async () => {
    const binary = writeShellScript(dir, "not-nats", 'echo "usage: something else"; exit 2');
    await expect(natsServerVersionOrThrow(binary)).rejects.toMatchObject({
      code: "NATS_SERVER_UNUSABLE",
      message: `${binary} --version did not answer like nats-server (exit status 2): usage: something else.`,
    });
  });

  it.each([
    {
      code: "NATS_PORT_IN_USE",
      when: "another program holds its port",
      prints:
        '[1] 2026/11/26 04:13:57.111109 [FTL] Error listening on port: 0.0.0.0:4222, "listen tcp 0.0.0.0:4222: bind: address already in use"',
      says: "its port is taken by another program",
    },
    {
      code: "NATS_SERVER_FAILED",
      when: "it exits for another reason, quoting its last lines",
      prints: "nats-server: config error on line 3",
      says: "nats-server: config error on line 3",
    },
  ])("is $code when $when", async ({ code, prints, says }) => {
    const binary = writeShellScript(dir, code, `echo '${prints}' >&2; exit 1`);
    await expect(start(binary)).rejects.toMatchObject({
      code,
      message: expect.stringContaining(says),
    });
  });

  it("is NATS_SERVER_START_TIMEOUT when it never says it is ready", async () => {
    const binary = writeShellScript(dir, "silent", "exec sleep 30");
    await expect(start(binary, 300)).rejects.toMatchObject({
      code: "NATS_SERVER_START_TIMEOUT",
      message: "nats-server did not become ready within 300 ms. It printed nothing.",
    });
  });
});
