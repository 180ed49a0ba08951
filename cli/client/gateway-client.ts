import type { NatsConnection } from "@nats-io/nats-core";
import { loadConfig } from "../../shared/config/index.ts";
import {
  COMMANDS,
  type CommandReply,
  type CommandRequest,
  type CommandVerb,
  type MessageDefinition,
  subjects,
} from "../../shared/messages/index.ts";
import { connectNats, request } from "../../shared/nats/index.ts";
import { discoverGateway, type GatewayAddress } from "./discover-gateway.ts";
import { connectFailure, requestFailure } from "./gateway-errors.ts";

/** How long the CLI waits for the gateway's answer. */
export const REPLY_TIMEOUT_MS = 10_000;
/** How long the CLI waits for the NATS server to accept the connection. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** An open line to the gateway: one request per verb, checked against the command contract. */
export interface GatewayClient {
  readonly address: GatewayAddress;
  /** Sends `request` on `pyt.<lib>.cmd.<verb>` and returns the validated reply; errors are PytarchiveErrors. */
  send<V extends CommandVerb>(verb: V, request: CommandRequest<V>): Promise<CommandReply<V>>;
  close(): Promise<void>;
}

/** Opens a GatewayClient; the CLI's verbs call it only after the command line checked out. */
export type GatewayConnector = () => Promise<GatewayClient>;

export interface ConnectToGatewayOptions {
  /** Environment for the configuration ($PYTARCHIVE_CONFIG, $PYTARCHIVE_NATS_URL…). Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Default REPLY_TIMEOUT_MS. */
  readonly replyTimeoutMs?: number;
  /** Default CONNECT_TIMEOUT_MS. */
  readonly connectTimeoutMs?: number;
}

/**
 * Reads the configuration, finds the gateway (`[NATS] url`, else the client file of `npm start`)
 * and connects without reconnecting, so a lost server fails the command instead of hanging.
 *
 * @example
 * const gateway = await connectToGateway();
 * try { const { running } = await gateway.send("queue", {}); } finally { await gateway.close(); }
 */
export async function connectToGateway(
  options: ConnectToGatewayOptions = {},
): Promise<GatewayClient> {
  const config = loadConfig(options.env === undefined ? {} : { env: options.env });
  const address = discoverGateway(config);
  const replyTimeoutMs = options.replyTimeoutMs ?? REPLY_TIMEOUT_MS;
  let nc: NatsConnection;
  try {
    nc = await connectNats({
      url: address.url,
      credentialsFile: address.credentialsFile,
      name: "pytarchive-cli",
      reconnect: false,
      timeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    });
  } catch (error) {
    throw connectFailure(error, address);
  }
  const librarySubjects = subjects(address.libraryId);
  return {
    address,
    async send<V extends CommandVerb>(verb: V, payload: CommandRequest<V>) {
      // Indexing COMMANDS with a generic verb loses the pairing of verb and schema; restore it.
      const definitions = COMMANDS[verb] as unknown as {
        readonly request: MessageDefinition<CommandRequest<V>>;
        readonly reply: MessageDefinition<CommandReply<V>>;
      };
      try {
        return await request(nc, librarySubjects.command(verb), payload, {
          request: definitions.request,
          reply: definitions.reply,
          timeoutMs: replyTimeoutMs,
          service: "gateway",
        });
      } catch (error) {
        throw requestFailure(error, verb, address, replyTimeoutMs);
      }
    },
    async close() {
      await nc.close();
    },
  };
}
