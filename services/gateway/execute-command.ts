import { PytarchiveError } from "../../shared/errors/index.ts";
import { COMMANDS, type CommandVerb } from "../../shared/messages/commands.ts";
import {
  type MessageDefinition,
  type MessageProblem,
  MessageSchemaError,
} from "../../shared/messages/index.ts";
import { GATEWAY_ERROR_CODES } from "./gateway-errors.ts";
import type { GatewayHandlers } from "./gateway-handlers.ts";
import type { CommandOutcome, GatewayMetrics } from "./gateway-metrics.ts";

/** Codes that mean pytarchive itself failed, not that the request was refused. */
const FAILURE_CODES = new Set([
  "SERVICE_NOT_RUNNING",
  "SERVICE_TIMEOUT",
  "NATS_REQUEST_FAILED",
  "SERVICE_REPLY_INVALID",
  "INTERNAL_ERROR",
  "MESSAGE_SCHEMA_INVALID",
]);

export type CommandExecutor = (verb: CommandVerb, request: unknown) => Promise<unknown>;

/**
 * Runs one command for any transport (NATS or HTTP): validates the request against the contract
 * (a bad shape becomes INVALID_ARGUMENT naming the field), calls the verb's handler, validates
 * the reply, and counts the outcome.
 */
export function createCommandExecutor(
  handlers: GatewayHandlers,
  metrics: GatewayMetrics,
): CommandExecutor {
  return async (verb, request) => {
    const definition = COMMANDS[verb] as unknown as {
      request: MessageDefinition<unknown>;
      reply: MessageDefinition<unknown>;
    };
    let outcome: CommandOutcome = "failed";
    try {
      let parsed: unknown;
      try {
        parsed = definition.request.parse(request);
      } catch (error) {
        if (error instanceof MessageSchemaError) throw invalidArgument(verb, error);
        throw error;
      }
      const handler = handlers[verb] as (request: unknown) => Promise<unknown>;
      const reply = definition.reply.parse(await handler(parsed));
      outcome = "ok";
      return reply;
    } catch (error) {
      outcome =
        error instanceof PytarchiveError && !FAILURE_CODES.has(error.code) ? "refused" : "failed";
      throw error;
    } finally {
      metrics.countCommand(verb, outcome);
    }
  };
}

/** A request that does not fit the contract, explained field by field. */
export function invalidArgument(verb: string, error: MessageSchemaError): PytarchiveError {
  const details = error.problems.slice(0, 3).map(explain).join("; ");
  return new PytarchiveError(
    GATEWAY_ERROR_CODES.invalidArgument,
    `Invalid ${verb} command: ${details}. Nothing was queued or changed.`,
    { hint: `Run \`pytarchive ${verb} --help\` for its arguments.`, cause: error },
  );
}

function explain({ field, problem }: MessageProblem): string {
  const got = /\(got (.*)\)$/.exec(problem)?.[1];
  const suffix = got === undefined ? "" : ` (got ${got})`;
  if (field === "priority" && problem !== "is required") {
    return `the priority must be a whole number${suffix}`;
  }
  if (field === "seconds") {
    return `the time must be a whole number of seconds above 0${suffix}`;
  }
  return field === "" ? problem : `${field}: ${problem}`;
}
