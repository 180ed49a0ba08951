import { headers, type Msg } from "@nats-io/nats-core";
import type { PytarchiveError } from "../../shared/errors/index.ts";
import { headerSafe } from "../../shared/nats/index.ts";

/**
 * Answers a plain NATS request with an error in the form `request()` (shared/nats) turns back
 * into a ServiceError: the @nats-io/services headers and a `{ code, message, hint }` body. The
 * header names only the code; the message (it may quote a tool's stderr) is in the body.
 */
export function respondWithServiceError(msg: Msg, error: PytarchiveError, status: number): void {
  const h = headers();
  h.set("Nats-Service-Error", headerSafe(error.code));
  h.set("Nats-Service-Error-Code", String(status));
  msg.respond(
    JSON.stringify({
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    }),
    { headers: h },
  );
}
