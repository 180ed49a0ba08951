import { headers, type Msg } from "@nats-io/nats-core";
import type { PytarchiveError } from "../../shared/errors/index.ts";

/**
 * Answers a plain NATS request with an error in the form `request()` (shared/nats) turns back
 * into a ServiceError: the @nats-io/services headers and a `{ code, message, hint }` body.
 */
export function respondWithServiceError(msg: Msg, error: PytarchiveError, status: number): void {
  const h = headers();
  h.set("Nats-Service-Error", error.message);
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
