import type { NatsConnection } from "@nats-io/nats-core";
import { headers } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTransientError } from "../../../shared/errors/index.ts";
import { request } from "../../../shared/nats/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";

/*
 * What a caller of another service gets when the answer is not one it can use, or no answer can
 * come: the codes of shared/nats/request.ts, on a real NATS server.
 */

let server: TestNatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
});

afterAll(async () => {
  await nc?.drain();
  await server?.dispose();
});

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("the request should have failed"),
    (error: unknown) => error,
  );
}

describe("a request whose answer cannot be used", () => {
  it("is SERVICE_REPLY_INVALID when the answer is not JSON", async () => {
    const sub = nc.subscribe("test.errors.garbled", {
      callback: (_error, msg) => msg.respond("<html>not json</html>"),
    });
    try {
      const error = await failureOf(
        request(nc, "test.errors.garbled", {}, { timeoutMs: 2_000, service: "catalog" }),
      );
      expect(error).toMatchObject({
        code: "SERVICE_REPLY_INVALID",
        message: "The catalog answered test.errors.garbled with something that is not JSON.",
      });
      expect(isTransientError(error)).toBe(false);
    } finally {
      sub.unsubscribe();
    }
  });

  it("is SERVICE_REPLY_INVALID when an error answer has a code this version does not know", async () => {
    const sub = nc.subscribe("test.errors.newer", {
      callback: (_error, msg) => {
        const h = headers();
        h.set("Nats-Service-Error", "TAPE_ON_FIRE");
        h.set("Nats-Service-Error-Code", "400");
        msg.respond(JSON.stringify({ code: "TAPE_ON_FIRE", message: "The tape is on fire." }), {
          headers: h,
        });
      },
    });
    try {
      const error = await failureOf(request(nc, "test.errors.newer", {}, { timeoutMs: 2_000 }));
      expect(error).toMatchObject({
        code: "SERVICE_REPLY_INVALID",
        message: "The tape is on fire.",
        status: 400,
      });
    } finally {
      sub.unsubscribe();
    }
  });

  it("is INTERNAL_ERROR, tried again later, when an error answer has no body", async () => {
    const sub = nc.subscribe("test.errors.bodiless", {
      callback: (_error, msg) => {
        const h = headers();
        h.set("Nats-Service-Error", "the service broke");
        h.set("Nats-Service-Error-Code", "500");
        msg.respond(new Uint8Array(0), { headers: h });
      },
    });
    try {
      const error = await failureOf(request(nc, "test.errors.bodiless", {}, { timeoutMs: 2_000 }));
      expect(error).toMatchObject({
        code: "INTERNAL_ERROR",
        message: "the service broke",
        status: 500,
      });
      expect(isTransientError(error)).toBe(true);
    } finally {
      sub.unsubscribe();
    }
  });
});

describe("a request that cannot be sent", () => {
  it("is NATS_REQUEST_FAILED, tried again later, on a closed connection", async () => {
    const closed = await connect({ servers: server.url });
    await closed.close();
    const error = await failureOf(
      request(closed, "test.errors.anything", {}, { timeoutMs: 2_000 }),
    );
    expect(error).toMatchObject({ code: "NATS_REQUEST_FAILED" });
    expect((error as Error).message).toMatch(/^The request on test\.errors\.anything failed: /);
    expect(isTransientError(error)).toBe(true);
  });
});
