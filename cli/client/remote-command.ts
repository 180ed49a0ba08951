import type { CommandReply, CommandRequest, CommandVerb } from "../../shared/messages/index.ts";
import type { CliCommand } from "../command.ts";
import type { GatewayConnector } from "./gateway-client.ts";

/** A command line that checked out: the request to send and whether to print JSON. */
export interface ParsedRequest<V extends CommandVerb> {
  readonly request: CommandRequest<V>;
  readonly json: boolean;
}

/**
 * A verb answered by the gateway, as pure parts: `parse` checks the command line and builds the
 * request (throwing CliUsageError, with no I/O), `render` turns the reply into text.
 */
export interface RemoteVerb<V extends CommandVerb> {
  /** The verb as typed; usually `verb`, or an alias such as `deletable`. */
  readonly name: string;
  /** The contract's verb, which names the subject `pyt.<lib>.cmd.<verb>`. */
  readonly verb: V;
  readonly summary: string;
  readonly usage: string;
  /** `cwd` only words the hint for relative paths; they are refused, never resolved. */
  parse(argv: readonly string[], cwd: string): ParsedRequest<V>;
  render(reply: CommandReply<V>, request: CommandRequest<V>): string;
  /** True when the reply says something asked for was not done: the command exits 1. */
  incomplete?(reply: CommandReply<V>): boolean;
}

/**
 * Turns a RemoteVerb into a CliCommand: check the command line first (nothing is sent when it
 * is wrong), then connect, send one request, print the reply (or its JSON with `--json`).
 *
 * @example
 * const queueCommand = remoteCommand(queueVerb, () => connectToGateway());
 */
export function remoteCommand<V extends CommandVerb>(
  verb: RemoteVerb<V>,
  connect: GatewayConnector,
): CliCommand {
  return {
    name: verb.name,
    summary: verb.summary,
    usage: verb.usage,
    async run(argv, io) {
      const { request, json } = verb.parse(argv, io.cwd);
      const gateway = await connect();
      let reply: CommandReply<V>;
      try {
        reply = await gateway.send(verb.verb, request);
      } finally {
        await gateway.close();
      }
      io.stdout(json ? `${JSON.stringify(reply, null, 2)}\n` : verb.render(reply, request));
      return verb.incomplete?.(reply) === true ? 1 : 0;
    },
  };
}
