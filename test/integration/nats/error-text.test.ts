import { headers, type NatsConnection } from "@nats-io/nats-core";
import { Svcm } from "@nats-io/services";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { respondWithServiceError } from "../../../services/changer/respond-error.ts";
import { type ErrorCode, isTransientError, PytarchiveError } from "../../../shared/errors/index.ts";
import { createLogger } from "../../../shared/logging/index.ts";
import { request, respondWithError, ServiceError } from "../../../shared/nats/index.ts";
import { serveEndpoints } from "../../../shared/nats/serve-endpoints.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";

/*
 * Issue 9, finding 4: an error text holding a line break, a carriage return, an escape or
 * non-ASCII (a file name, a tool's stderr) reaches the caller whole, from a micro-service
 * endpoint and from a plain subscription (the changer's way); the headers carry only the code.
 */

const NASTY = "tar: /srv/a/no\npe: Cannot open\r\u001b[2J — données perdues? \u2028";

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

async function expectServiceError(subject: string): Promise<ServiceError> {
  const error = await request(nc, subject, {}, { timeoutMs: 2_000 }).catch((caught) => caught);
  expect(error).toBeInstanceOf(ServiceError);
  return error as ServiceError;
}

describe("error texts with any characters", () => {
  it("reach the caller of a micro-service endpoint, the header holding only the code", async () => {
    const service = await new Svcm(nc).add({ name: "error-text", version: "0.0.1" });
    service.addEndpoint("fail", {
      subject: "test.error-text.fail",
      handler: (_error, msg) => {
        respondWithError(
          msg,
          new PytarchiveError("PACK_FAILED", NASTY, { hint: `check ${NASTY}` }),
        );
      },
    });
    try {
      const error = await expectServiceError("test.error-text.fail");
      expect({ code: error.code, message: error.message, hint: error.hint }).toEqual({
        code: "PACK_FAILED",
        message: NASTY,
        hint: `check ${NASTY}`,
      });
      const raw = await nc.request("test.error-text.fail", "{}", { timeout: 2_000 });
      expect(raw.headers?.get("Nats-Service-Error")).toBe("PACK_FAILED");
    } finally {
      await service.stop();
    }
  });

  it("reach the caller of a plain subscription answered like the changer answers", async () => {
    const sub = nc.subscribe("test.error-text.changer", {
      callback: (_error, msg) =>
        respondWithServiceError(msg, new PytarchiveError("MTX_MOVE_FAILED", NASTY), 400),
    });
    try {
      const error = await expectServiceError("test.error-text.changer");
      expect({ code: error.code, message: error.message, status: error.status }).toEqual({
        code: "MTX_MOVE_FAILED",
        message: NASTY,
        status: 400,
      });
    } finally {
      sub.unsubscribe();
    }
  });

  it("a served endpoint answers even when its error cannot be encoded", async () => {
    const served = await serveEndpoints({
      nc,
      name: "error-text-served",
      version: "0.0.1",
      description: "test",
      metadata: {},
      log: createLogger({ service: "test", stream: { write: () => true } }),
      what: "request",
      label: "endpoint",
      endpoints: [
        {
          name: "broken",
          subject: "test.error-text.broken",
          // No code (which the type forbids, hence the cast): the error body does not fit its schema.
          answer: async () => {
            throw new PytarchiveError("" as ErrorCode, NASTY);
          },
        },
      ],
    });
    try {
      const error = await expectServiceError("test.error-text.broken");
      expect({ code: error.code, status: error.status }).toEqual({
        code: "INTERNAL_ERROR",
        status: 500,
      });
    } finally {
      await served.stop();
    }
  });
});

/** Answers `subject` once-per-request with a service error of the given status and raw body. */
function answerWithError(subject: string, status: number, description: string, body: string) {
  return nc.subscribe(subject, {
    callback: (_error, msg) => {
      const h = headers();
      h.set("Nats-Service-Error", description);
      h.set("Nats-Service-Error-Code", String(status));
      msg.respond(body, { headers: h });
    },
  });
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("the request should have failed"),
    (error: unknown) => error,
  );
}

describe("answers a caller cannot use", () => {
  it("are SERVICE_REPLY_INVALID when the answer is not JSON", async () => {
    const sub = nc.subscribe("test.error-text.garbled", {
      callback: (_error, msg) => {
        msg.respond("<html>not json</html>");
      },
    });
    try {
      const error = await failureOf(
        request(nc, "test.error-text.garbled", {}, { timeoutMs: 2_000, service: "catalog" }),
      );
      expect(error).toMatchObject({
        code: "SERVICE_REPLY_INVALID",
        message: "The catalog answered test.error-text.garbled with something that is not JSON.",
      });
      expect(isTransientError(error)).toBe(false);
    } finally {
      sub.unsubscribe();
    }
  });

  it("are SERVICE_REPLY_INVALID when an error has a code this version does not know", async () => {
    const body = JSON.stringify({ code: "TAPE_ON_FIRE", message: "The tape is on fire." });
    const sub = answerWithError("test.error-text.newer", 400, "TAPE_ON_FIRE", body);
    try {
      const error = await failureOf(request(nc, "test.error-text.newer", {}, { timeoutMs: 2_000 }));
      expect(error).toMatchObject({
        code: "SERVICE_REPLY_INVALID",
        message: "The tape is on fire.",
        status: 400,
      });
    } finally {
      sub.unsubscribe();
    }
  });

  it("are INTERNAL_ERROR, tried again later, when an error has no body", async () => {
    const sub = answerWithError("test.error-text.bodiless", 500, "the service broke", "");
    try {
      const error = await failureOf(
        request(nc, "test.error-text.bodiless", {}, { timeoutMs: 2_000 }),
      );
      expect(error).toMatchObject({ code: "INTERNAL_ERROR", message: "the service broke" });
      expect(isTransientError(error)).toBe(true);
    } finally {
      sub.unsubscribe();
    }
  });

  it("a request on a closed connection is NATS_REQUEST_FAILED, tried again later", async () => {
    const closed = await connect({ servers: server.url });
    await closed.close();
    const error = await failureOf(request(closed, "test.error-text.any", {}, { timeoutMs: 2_000 }));
    expect(error).toMatchObject({ code: "NATS_REQUEST_FAILED" });
    expect((error as Error).message).toMatch(/^The request on test\.error-text\.any failed: /);
    expect(isTransientError(error)).toBe(true);
  });
});
