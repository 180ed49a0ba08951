import Fastify, { type FastifyInstance } from "fastify";
import { httpStatusOf, PytarchiveError } from "../../shared/errors/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import type { ServiceHealth } from "../../shared/nats/index.ts";
import type { CommandExecutor } from "./execute-command.ts";
import type { GatewayMetrics } from "./gateway-metrics.ts";
import { registerStatusPage } from "./status-routes.ts";

export interface HttpAppDependencies {
  readonly execute: CommandExecutor;
  readonly metrics: GatewayMetrics;
  readonly health: () => Promise<ServiceHealth>;
  readonly libraryId: string;
  readonly log?: Logger;
}

/**
 * The gateway's read-only HTTP API, built without listening (tests call `app.inject()`):
 * GET /healthz, /metrics, /api/queue, /api/summary, /api/tapes, /api/library (the NATS replies'
 * JSON) and /, the live status page (status-routes.ts). Errors are `{ code, message, hint }`; unexpected ones never leak internals.
 */
export function buildHttpApp(deps: HttpAppDependencies): FastifyInstance {
  const app = Fastify({ logger: false });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof PytarchiveError) {
      const status = httpStatusOf(error.code);
      return reply.status(status).send({
        code: error.code,
        message: error.message,
        ...(error.hint === undefined ? {} : { hint: error.hint }),
      });
    }
    return reply.status(500).send({
      code: "INTERNAL_ERROR",
      message: "The gateway failed unexpectedly; its log has the details.",
    });
  });

  app.get("/healthz", async (_request, reply) => {
    const health = await deps.health();
    return reply.status(health.ok ? 200 : 503).send({
      status: health.ok ? "ok" : "unavailable",
      ...(health.detail ? { detail: health.detail } : {}),
    });
  });

  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  for (const verb of ["queue", "summary", "tapes", "library"] as const) {
    app.get(`/api/${verb}`, () => deps.execute(verb, {}));
  }

  registerStatusPage(app, {
    execute: deps.execute,
    libraryId: deps.libraryId,
    ...(deps.log === undefined ? {} : { log: deps.log }),
  });

  return app;
}
