import type { NatsConnection } from "@nats-io/nats-core";
import { PytarchiveError } from "../../shared/errors/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { COMMAND_VERBS, type CommandVerb, subjects } from "../../shared/messages/index.ts";
import { type ServedEndpoints, serveEndpoints } from "../../shared/nats/index.ts";
import type { CommandExecutor } from "./execute-command.ts";
import { GATEWAY_ERROR_CODES } from "./gateway-errors.ts";

/** The micro-service name `nats micro ls` shows. */
export const GATEWAY_SERVICE_NAME = "pytarchive-gateway";

export type ServedCommands = ServedEndpoints;

/**
 * Serves every verb as an endpoint of the micro-service `pytarchive-gateway` on
 * `pyt.<lib>.cmd.<verb>`, so `nats micro ls/info/stats` list them. Every request is answered:
 * with the reply, or with `{ code, message, hint }` in a service error.
 */
export function serveCommands(options: {
  nc: NatsConnection;
  libraryId: string;
  execute: CommandExecutor;
  log: Logger;
  version: string;
}): Promise<ServedCommands> {
  const { libraryId, execute } = options;
  const s = subjects(libraryId);
  return serveEndpoints({
    nc: options.nc,
    name: GATEWAY_SERVICE_NAME,
    version: options.version,
    description: "pytarchive commands: one endpoint per CLI verb (JSON request/reply).",
    metadata: { library: libraryId },
    log: options.log,
    what: "command",
    label: "verb",
    endpoints: COMMAND_VERBS.map((verb: CommandVerb) => ({
      name: verb,
      subject: s.command(verb),
      metadata: { verb },
      answer: async (data) => JSON.stringify(await execute(verb, parseJson(verb, data))),
    })),
  });
}

/** Refuses bytes that are not UTF-8 instead of turning them into U+FFFD silently. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The request body; an empty one is `{}`, so `nats req pyt.<lib>.cmd.queue ""` works. */
function parseJson(verb: string, data: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(data).trim();
  } catch {
    throw new PytarchiveError(
      GATEWAY_ERROR_CODES.invalidArgument,
      `The ${verb} command is not UTF-8 text. Nothing was queued or changed.`,
      {
        hint: "Send the request as UTF-8 JSON; a path with other bytes in its name cannot be named to pytarchive.",
      },
    );
  }
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new PytarchiveError(
      GATEWAY_ERROR_CODES.invalidArgument,
      `The ${verb} command is not JSON: ${JSON.stringify(text.slice(0, 60))}. Nothing was queued or changed.`,
      {
        hint: `Send a JSON object, e.g. nats req pyt.<lib>.cmd.${verb} '{}'; services/gateway/README.md lists each verb's fields.`,
      },
    );
  }
}
