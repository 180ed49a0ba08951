import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayService } from "../../../services/gateway/index.ts";
import { runServices } from "../../../services/runner/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { quietLog, testConfig } from "./support.ts";

/* The gateway's HTTP API on a port another program holds: the start fails and says which. */

let server: TestNatsServer;
let stateDir: string;
let holder: net.Server;
let takenPort: number;

beforeAll(async () => {
  server = await startNatsServer();
  stateDir = mkdtempSync(join(tmpdir(), "pyt-http-listen-"));
  holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  takenPort = (holder.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => holder?.close(resolve));
  await server?.dispose();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("the gateway's HTTP API", () => {
  it("fails the start with HTTP_LISTEN_FAILED when its port is taken", async () => {
    const config = testConfig({
      libraryId: `l${randomBytes(4).toString("hex")}`,
      natsUrl: server.url,
      stateDir,
    });
    const started = runServices({
      services: [createGatewayService({ httpPort: takenPort, pathTimeoutMs: 1_000 })],
      config,
      handleSignals: false,
      logStream: quietLog,
    });
    const error = await started.then(
      async (running) => {
        await running.stop();
        return expect.unreachable("the gateway should not have started");
      },
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: "HTTP_LISTEN_FAILED",
      message: expect.stringContaining(`cannot listen on ${config.http.host}:${takenPort}`),
    });
  });
});
