import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import { Svcm } from "@nats-io/services";
import { Type } from "@sinclair/typebox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { defineMessage } from "../../../shared/messages/index.ts";
import {
  connectNats,
  request,
  respondWithError,
  ServiceError,
} from "../../../shared/nats/index.ts";
import { findFreePort, startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";

const QueueRequest = defineMessage("queue.request", Type.Object({ failedOnly: Type.Boolean() }));
const QueueReply = defineMessage(
  "queue.reply",
  Type.Object({ jobs: Type.Array(Type.Object({ id: Type.String(), priority: Type.Integer() })) }),
);

let server: TestNatsServer;
let folder: string;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "pyt-nats-connect-"));
  server = await startNatsServer({
    configText: [
      "authorization {",
      "  users = [",
      '    { user: "operator", password: "op secret" }',
      '    { user: "gateway", password: "gw-secret" }',
      "  ]",
      "}",
      "",
    ].join("\n"),
  });
});

afterAll(async () => {
  await server?.dispose();
  rmSync(folder, { recursive: true, force: true });
});

function credentialsFile(name: string, text: string, mode = 0o600): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

async function withConnection<T>(
  user: string,
  password: string,
  use: (nc: NatsConnection) => Promise<T>,
): Promise<T> {
  const file = credentialsFile(`${user}.cred`, `user = ${user}\npassword = ${password}\n`);
  const nc = await connectNats({
    url: server.url,
    credentialsFile: file,
    name: "test",
    reconnect: false,
  });
  try {
    return await use(nc);
  } finally {
    await nc.drain();
  }
}

describe("connectNats", () => {
  it("connects with the user and password of a root-only credentials file", async () => {
    const file = credentialsFile(
      "operator.cred",
      "# operator of pytarchive\nuser = operator\npassword = op secret\n",
    );
    const nc = await connectNats({
      url: server.url,
      credentialsFile: file,
      name: "pytarchive-test",
    });
    expect(nc.info?.server_name).toBeTruthy();
    expect(nc.isClosed()).toBe(false);
    await nc.drain();
  });

  it("says the server refused the user when the password is wrong, naming the credentials file", async () => {
    const file = credentialsFile("wrong.cred", "user = operator\npassword = nope\n");
    const error = await connectNats({
      url: server.url,
      credentialsFile: file,
      name: "test",
      reconnect: false,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PytarchiveError);
    expect(error).toMatchObject({
      code: "NATS_AUTH_FAILED",
      message: expect.stringContaining(`The NATS server at ${server.url} refused user "operator"`),
      hint: expect.stringContaining(file),
    });
  });

  it("refuses a credentials file that other users can read, before connecting", async () => {
    const file = credentialsFile("open.cred", "user = operator\npassword = op secret\n", 0o644);
    await expect(
      connectNats({ url: server.url, credentialsFile: file, name: "test" }),
    ).rejects.toMatchObject({
      code: "NATS_CREDENTIALS_TOO_OPEN",
      message: `The NATS credentials file ${file} can be accessed by other users (mode 0644); it holds a password.`,
      hint: `Restrict it to its owner: chmod 600 ${file}`,
    });
  });

  it("says the server cannot be reached and how to start pytarchive when nothing listens", async () => {
    const port = await findFreePort();
    const url = `nats://127.0.0.1:${port}`;
    await expect(connectNats({ url, name: "test", reconnect: false })).rejects.toMatchObject({
      code: "NATS_UNREACHABLE",
      message: `The NATS server at ${url} cannot be reached (connection refused).`,
      hint: expect.stringContaining("npm start"),
    });
  });

  it("never shows a password from the URL in its message", async () => {
    const port = await findFreePort();
    const error = (await connectNats({
      url: `nats://operator:topsecret@127.0.0.1:${port}`,
      name: "test",
      reconnect: false,
    }).catch((caught: unknown) => caught)) as PytarchiveError;
    expect(error.message).toContain(`nats://operator:***@127.0.0.1:${port}`);
    expect(error.message).not.toContain("topsecret");
  });
});

describe("request", () => {
  it("says which service is not running and how to start it when nobody answers", async () => {
    await withConnection("operator", "op secret", async (nc) => {
      await expect(
        request(
          nc,
          "pyt.t1.cmd.queue",
          { failedOnly: false },
          { request: QueueRequest, service: "gateway" },
        ),
      ).rejects.toMatchObject({
        code: "SERVICE_NOT_RUNNING",
        message: "Nothing answers pyt.t1.cmd.queue: the pytarchive gateway service is not running.",
        hint: expect.stringContaining("--only gateway"),
      });
    });
  });

  it("encodes the request and decodes the reply with their schemas", async () => {
    await withConnection("gateway", "gw-secret", async (nc) => {
      const subscription = nc.subscribe("pyt.t1.cmd.queue", {
        callback: (_error, msg) => {
          const asked = QueueRequest.decode(msg.data);
          msg.respond(
            QueueReply.encode({
              jobs: asked.failedOnly ? [] : [{ id: "3fa2b1c0", priority: 100 }],
            }),
          );
        },
      });
      const reply = await request(
        nc,
        "pyt.t1.cmd.queue",
        { failedOnly: false },
        { request: QueueRequest, reply: QueueReply },
      );
      expect(reply).toEqual({ jobs: [{ id: "3fa2b1c0", priority: 100 }] });
      subscription.unsubscribe();
    });
  });

  it("turns a service's error reply into a ServiceError with its code, message, hint and status", async () => {
    await withConnection("gateway", "gw-secret", async (nc) => {
      const service = await new Svcm(nc).add({ name: "pytarchive-test", version: "0.0.1" });
      service.addEndpoint("abort", {
        subject: "pyt.t1.cmd.abort",
        handler: (_error, msg) => {
          respondWithError(
            msg,
            new PytarchiveError("UNKNOWN_JOB", "There is no job 3fa2b1c0.", {
              hint: "Run `pytarchive queue` to see the job ids.",
            }),
          );
        },
      });
      service.addEndpoint("crash", {
        subject: "pyt.t1.cmd.crash",
        handler: (_error, msg) => {
          respondWithError(msg, new Error('relation "jobs" does not exist'));
        },
      });
      const error = await request(nc, "pyt.t1.cmd.abort", { ids: ["3fa2b1c0"] }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ServiceError);
      expect(error).toMatchObject({
        code: "UNKNOWN_JOB",
        message: "There is no job 3fa2b1c0.",
        hint: "Run `pytarchive queue` to see the job ids.",
        status: 400,
        subject: "pyt.t1.cmd.abort",
      });
      const crash = (await request(nc, "pyt.t1.cmd.crash", {}).catch(
        (caught: unknown) => caught,
      )) as ServiceError;
      expect(crash).toMatchObject({ code: "INTERNAL_ERROR", status: 500 });
      expect(crash.message).not.toContain("relation");
      await service.stop();
    });
  });

  it("names the field when a reply does not fit its schema", async () => {
    await withConnection("gateway", "gw-secret", async (nc) => {
      const subscription = nc.subscribe("pyt.t1.cmd.queue", {
        callback: (_error, msg) => {
          msg.respond(JSON.stringify({ jobs: [{ id: "3fa2b1c0", priority: "high" }] }));
        },
      });
      await expect(
        request(nc, "pyt.t1.cmd.queue", { failedOnly: true }, { reply: QueueReply }),
      ).rejects.toMatchObject({
        code: "MESSAGE_SCHEMA_INVALID",
        message: 'Invalid queue.reply message: jobs.0.priority: Expected integer (got "high").',
      });
      subscription.unsubscribe();
    });
  });

  it("says the service did not answer in time when it is subscribed but silent", async () => {
    await withConnection("gateway", "gw-secret", async (nc) => {
      const subscription = nc.subscribe("pyt.t1.cmd.summary", { callback: () => {} });
      await nc.flush();
      const started = Date.now();
      await expect(
        request(nc, "pyt.t1.cmd.summary", {}, { timeoutMs: 300, service: "gateway" }),
      ).rejects.toMatchObject({
        code: "SERVICE_TIMEOUT",
        message: "The pytarchive gateway service did not answer pyt.t1.cmd.summary within 300 ms.",
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      subscription.unsubscribe();
    });
  });
});
