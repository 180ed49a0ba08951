import { errors, type Msg, type NatsConnection } from "@nats-io/nats-core";
import type { ServiceMsg } from "@nats-io/services";
import { type ErrorCode, isErrorCode, PytarchiveError } from "../errors/index.ts";
import { defineMessage, ErrorInfoSchema, type MessageDefinition } from "../messages/index.ts";

const SERVICE_ERROR_HEADER = "Nats-Service-Error";
const SERVICE_ERROR_CODE_HEADER = "Nats-Service-Error-Code";
const ErrorReply = defineMessage("service.error", ErrorInfoSchema);

/**
 * A header value that NATS can carry: printable ASCII only, one line, short. Error texts (which
 * may quote a file name holding a newline, or a tool's stderr) go in the reply body instead; a
 * header with `\r` or `\n` makes the client refuse to send the reply at all, and the caller waits
 * in silence.
 *
 * @example
 * headerSafe("TARGET_NOT_EMPTY"); // "TARGET_NOT_EMPTY"
 * headerSafe("a\nb"); // "a?b"
 */
export function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 200);
}

/**
 * A service answered a request with an error (headers `Nats-Service-Error` / `-Code`).
 * `code`, `message` and `hint` are the service's own, from the JSON body `{ code, message, hint }`.
 */
export class ServiceError extends PytarchiveError {
  /** The numeric status of `Nats-Service-Error-Code`, e.g. 400 for bad input. */
  readonly status: number;
  readonly subject: string;

  constructor(subject: string, status: number, code: ErrorCode, message: string, hint?: string) {
    super(code, message, hint === undefined ? {} : { hint });
    this.name = "ServiceError";
    this.status = status;
    this.subject = subject;
  }
}

export interface RequestOptions<Req, Res> {
  /** Schema of the request; without it the payload is sent as JSON unchecked. */
  readonly request?: MessageDefinition<Req>;
  /** Schema of the reply; without it the reply is parsed as JSON unchecked. */
  readonly reply?: MessageDefinition<Res>;
  /** Default 5 s. */
  readonly timeoutMs?: number;
  /** Who answers this subject, for messages: "gateway". Default "pytarchive". */
  readonly service?: string;
}

/**
 * Sends a request and returns the decoded reply. Error replies become a ServiceError; no
 * responder becomes SERVICE_NOT_RUNNING and no answer in time SERVICE_TIMEOUT, both saying what
 * to start.
 *
 * @example
 * const reply = await request(nc, subjects("lib1").command("queue"), {}, { reply: QueueReply, service: "gateway" });
 */
export async function request<Req, Res = unknown>(
  nc: NatsConnection,
  subject: string,
  payload: Req,
  options: RequestOptions<Req, Res> = {},
): Promise<Res> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const service = options.service ?? "pytarchive";
  const data = options.request
    ? options.request.encode(payload)
    : new TextEncoder().encode(JSON.stringify(payload));
  let reply: Msg;
  try {
    reply = await nc.request(subject, data, { timeout: timeoutMs });
  } catch (cause) {
    throw requestFailure(cause, subject, service, timeoutMs);
  }
  const description = reply.headers?.get(SERVICE_ERROR_HEADER);
  if (description) throw serviceErrorOf(reply, subject, description);
  if (options.reply) return options.reply.decode(reply.data);
  try {
    return JSON.parse(new TextDecoder().decode(reply.data)) as Res;
  } catch (cause) {
    throw new PytarchiveError(
      "SERVICE_REPLY_INVALID",
      `The ${service} answered ${subject} with something that is not JSON.`,
      {
        hint: "Check that every pytarchive service runs the same version.",
        cause,
      },
    );
  }
}

function serviceErrorOf(reply: Msg, subject: string, description: string): ServiceError {
  const status = Number.parseInt(reply.headers?.get(SERVICE_ERROR_CODE_HEADER) ?? "", 10);
  let body: { code: string; message: string; hint?: string } | null = null;
  try {
    body = reply.data.length > 0 ? ErrorReply.decode(reply.data) : null;
  } catch {
    body = null;
  }
  return new ServiceError(
    subject,
    Number.isFinite(status) ? status : 500,
    codeOf(body),
    body?.message ?? description,
    body?.hint,
  );
}

/**
 * The reply's code; a reply without a body is the service's unexpected failure, and a code this
 * version does not know is an invalid reply (services of different versions).
 */
function codeOf(body: { code: string } | null): ErrorCode {
  if (body === null) return "INTERNAL_ERROR";
  return isErrorCode(body.code) ? body.code : "SERVICE_REPLY_INVALID";
}

function requestFailure(
  cause: unknown,
  subject: string,
  service: string,
  timeoutMs: number,
): PytarchiveError {
  if (cause instanceof errors.RequestError && cause.isNoResponders()) {
    return new PytarchiveError(
      "SERVICE_NOT_RUNNING",
      `Nothing answers ${subject}: the pytarchive ${service} service is not running.`,
      {
        hint: `Start pytarchive with \`npm start\`, or run the service alone: \`npx tsx services/runner/main.ts --only ${service}\`.`,
        cause,
      },
    );
  }
  if (
    cause instanceof errors.TimeoutError ||
    (cause instanceof errors.RequestError && cause.cause instanceof errors.TimeoutError)
  ) {
    return new PytarchiveError(
      "SERVICE_TIMEOUT",
      `The pytarchive ${service} service did not answer ${subject} within ${timeoutMs} ms.`,
      { hint: "It may be busy or stuck: check its log, then try again.", cause },
    );
  }
  for (let inner: unknown = cause; inner instanceof Error; inner = inner.cause) {
    if (inner instanceof errors.PermissionViolationError) {
      return new PytarchiveError(
        "NATS_PERMISSION_DENIED",
        `The NATS server refused the request on ${subject}: this connection's NATS user may not ${inner.operation === "publish" ? "publish" : "subscribe"} there.`,
        {
          hint: "Each service and each library has its own NATS user, allowed only its own subjects: check that `[NATS] credentials_file` (or $PYTARCHIVE_NATS_CREDENTIALS) is this service's in this `[NATS] library_id`.",
          cause,
        },
      );
    }
  }
  return new PytarchiveError(
    "NATS_REQUEST_FAILED",
    `The request on ${subject} failed: ${(cause as Error)?.message ?? String(cause)}.`,
    { hint: "Check the connection to the NATS server and try again.", cause },
  );
}

/**
 * Answers a @nats-io/services request with an error that {@link request} turns back into a
 * ServiceError: status 400 and the error's code, message and hint for a PytarchiveError; status
 * 500 and a generic message for anything else (its text may hold internals; log it instead).
 * The `Nats-Service-Error` header carries only the code: the text travels in the JSON body.
 *
 * @example
 * try { … } catch (error) { log.error("archive failed", { error }); respondWithError(msg, error); }
 */
export function respondWithError(msg: ServiceMsg, error: unknown): boolean {
  if (error instanceof PytarchiveError) {
    const info =
      error.hint === undefined
        ? { code: error.code, message: error.message }
        : { code: error.code, message: error.message, hint: error.hint };
    return msg.respondError(400, headerSafe(error.code), ErrorReply.encode(info));
  }
  const info = {
    code: "INTERNAL_ERROR",
    message: "The service failed unexpectedly; its log has the details.",
  };
  return msg.respondError(500, info.code, ErrorReply.encode(info));
}
