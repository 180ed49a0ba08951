import type { FastifyInstance } from "fastify";
import type { Logger } from "../../shared/logging/index.ts";
import type { CommandExecutor } from "./execute-command.ts";
import { createStatusFeed } from "./status-feed.ts";
import { renderStatusPage, STATUS_SCRIPT_PATH } from "./status-page.ts";
import { STATUS_EVENTS_PATH, STATUS_SCRIPT } from "./status-script.ts";
import { readStatusSnapshot } from "./status-snapshot.ts";

/** Read-only, and nothing from elsewhere: the page's own script and the gateway's feed. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The status page: `GET /` (drawn at once, so it shows something without its script),
 * `GET /status-page.js` and `GET /api/status/events`, the server-sent events that keep it live.
 */
export function registerStatusPage(
  app: FastifyInstance,
  deps: { execute: CommandExecutor; libraryId: string; log?: Logger },
): void {
  const feed = createStatusFeed({
    execute: deps.execute,
    libraryId: deps.libraryId,
    ...(deps.log === undefined ? {} : { log: deps.log }),
  });
  // Open event streams would keep the server from closing.
  app.addHook("preClose", async () => feed.close());

  app.get("/", async (_request, reply) => {
    const snapshot = await readStatusSnapshot(deps.execute, deps.libraryId);
    // The catalog down is an outage; a changer that does not answer is shown on the page.
    const down = snapshot.problems.queue !== undefined || snapshot.problems.tapes !== undefined;
    return reply
      .status(down ? 503 : 200)
      .header("content-security-policy", CONTENT_SECURITY_POLICY)
      .header("cache-control", "no-store")
      .type("text/html; charset=utf-8")
      .send(renderStatusPage(snapshot));
  });

  app.get(STATUS_SCRIPT_PATH, async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(STATUS_SCRIPT),
  );

  app.get(STATUS_EVENTS_PATH, (request, reply) => {
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    // The browser reconnects after this long if the gateway restarts.
    stream.write("retry: 3000\n\n");
    const stop = feed.subscribe(
      (sections) => stream.write(`event: sections\ndata: ${JSON.stringify(sections)}\n\n`),
      () => stream.end(),
    );
    request.raw.on("close", stop);
  });
}
