import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedNatsServer } from "../../../services/launcher/embedded-nats-server.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import { writeShellScript } from "../../helpers/shell-script.ts";

/*
 * The embedded nats-server is started through util-linux's setpriv, found on PATH. A PATH
 * without it, or with a setpriv that cannot be run, must say so rather than blame nats-server.
 */

let dir: string;
let nats: string;
const savedPath = process.env.PATH;
const log = createLogger({ service: "launcher", stream: { write: () => true } });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-setpriv-"));
  // Would be ready at once if setpriv ever ran it: a pass would then not be setpriv's doing.
  nats = writeShellScript(dir, "nats-server", 'echo "[1] [INF] Server is ready" >&2; sleep 30');
});
afterEach(() => {
  process.env.PATH = savedPath;
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function startWithPath(pathDirs: string) {
  process.env.PATH = pathDirs;
  return startEmbeddedNatsServer({
    binary: nats,
    configFile: path.join(dir, "nats-server.conf"),
    log,
    readyTimeoutMs: 5_000,
    stopTimeoutMs: 1_000,
  });
}

describe("starting the embedded nats-server through setpriv", () => {
  it("is SETPRIV_NOT_INSTALLED when no setpriv is on PATH, saying which package has it", async () => {
    const empty = fs.mkdtempSync(path.join(dir, "empty-"));

    await expect(startWithPath(empty)).rejects.toMatchObject({
      code: "SETPRIV_NOT_INSTALLED",
      message:
        "nats-server could not be started: setpriv (util-linux), which ties it to pytarchive's life, is missing: spawn setpriv ENOENT.",
      hint: "Install it: apt-get install util-linux (as root).",
    });
  });

  it("is NATS_SERVER_NOT_STARTED when the setpriv on PATH cannot be run", async () => {
    const broken = fs.mkdtempSync(path.join(dir, "broken-"));
    // Not executable by anyone, root included (root needs at least one execute bit).
    fs.writeFileSync(path.join(broken, "setpriv"), "#!/bin/sh\nexit 0\n", { mode: 0o644 });

    await expect(startWithPath(broken)).rejects.toMatchObject({
      code: "NATS_SERVER_NOT_STARTED",
      message:
        "nats-server could not be started: setpriv (util-linux) could not be run: spawn setpriv EACCES.",
      hint: expect.stringContaining("apt-get install --reinstall util-linux"),
    });
  });
});
