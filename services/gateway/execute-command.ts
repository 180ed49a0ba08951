import { httpStatusOf, PytarchiveError } from "../../shared/errors/index.ts";
import {
  COMMANDS,
  type CommandVerb,
  type MessageDefinition,
  type MessageProblem,
  MessageSchemaError,
} from "../../shared/messages/index.ts";
import { GATEWAY_ERROR_CODES } from "./gateway-errors.ts";
import type { GatewayHandlers } from "./gateway-handlers.ts";
import type { CommandOutcome, GatewayMetrics } from "./gateway-metrics.ts";

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
      outcome = isRefusal(error) ? "refused" : "failed";
      throw error;
    } finally {
      metrics.countCommand(verb, outcome);
    }
  };
}

/** The request was refused (4xx in the catalogue), not a failure of pytarchive itself (5xx). */
function isRefusal(error: unknown): boolean {
  return error instanceof PytarchiveError && httpStatusOf(error.code) < 500;
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
