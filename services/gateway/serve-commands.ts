import type { NatsConnection } from "@nats-io/nats-core";
import { type Service, type ServiceMsg, Svcm } from "@nats-io/services";
import { PytarchiveError } from "../../shared/errors/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { COMMAND_VERBS, type CommandVerb } from "../../shared/messages/commands.ts";
import { subjects } from "../../shared/messages/index.ts";
import { respondWithError } from "../../shared/nats/index.ts";
import type { CommandExecutor } from "./execute-command.ts";
import { GATEWAY_ERROR_CODES } from "./gateway-errors.ts";

/** The micro-service name `nats micro ls` shows. */
export const GATEWAY_SERVICE_NAME = "pytarchive-gateway";

export interface ServedCommands {
  readonly service: Service;
  /** Stops taking commands and waits for those being answered. */
  stop(): Promise<void>;
}

/**
 * Serves every verb as an endpoint of the micro-service `pytarchive-gateway` on
 * `pyt.<lib>.cmd.<verb>`, so `nats micro ls/info/stats` list them. Every request is answered:
 * with the reply, or with `{ code, message, hint }` in a service error.
 */
export async function serveCommands(options: {
  nc: NatsConnection;
  libraryId: string;
  execute: CommandExecutor;
  log: Logger;
  version: string;
}): Promise<ServedCommands> {
  const { nc, libraryId, execute, log } = options;
  const s = subjects(libraryId);
  const service = await new Svcm(nc).add({
    name: GATEWAY_SERVICE_NAME,
    version: options.version,
    description: "pytarchive commands: one endpoint per CLI verb (JSON request/reply).",
    metadata: { library: libraryId },
  });
  const inFlight = new Set<Promise<void>>();
  for (const verb of COMMAND_VERBS) {
    service.addEndpoint(verb, {
      subject: s.command(verb),
      metadata: { verb },
      // Called synchronously and never awaited by the library: keep the promise for stop().
      handler: (error, msg) => {
        const answered = answer(verb, error, msg, execute, log).finally(() =>
          inFlight.delete(answered),
        );
        inFlight.add(answered);
      },
    });
  }
  // The server has the subscriptions before this resolves: a request sent right after is answered.
  await nc.flush();
  return {
    service,
    async stop() {
      await service.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}

async function answer(
  verb: CommandVerb,
  subscriptionError: Error | null,
  msg: ServiceMsg,
  execute: CommandExecutor,
  log: Logger,
): Promise<void> {
  try {
    if (subscriptionError !== null) throw subscriptionError;
    const reply = await execute(verb, parseJson(verb, msg.data));
    msg.respond(JSON.stringify(reply));
  } catch (error) {
    if (error instanceof PytarchiveError) {
      log.info("command refused", { verb, code: error.code, reason: error.message });
    } else {
      log.error("command failed", { verb, error });
    }
    try {
      respondWithError(msg, error);
    } catch (replyError) {
      log.error("could not answer a command", { verb, error: replyError });
    }
  }
}

/** The request body; an empty one is `{}`, so `nats req pyt.<lib>.cmd.queue ""` works. */
function parseJson(verb: string, data: Uint8Array): unknown {
  const text = new TextDecoder().decode(data).trim();
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
