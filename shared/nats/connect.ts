import { errors, type NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { PytarchiveError } from "../errors/index.ts";
import { readCredentialsFile } from "./credentials-file.ts";
import { redactUrl } from "./redact-url.ts";

export interface ConnectNatsOptions {
  /**
   * Server URL, e.g. nats://127.0.0.1:4222, or several separated by commas (nodes of a cluster),
   * tried in the order given.
   */
  readonly url: string;
  /** A root-only `user = …` / `password = …` file (see readCredentialsFile), or none. */
  readonly credentialsFile?: string | null;
  /** Connection name shown by the server's monitoring, e.g. "pytarchive-gateway". */
  readonly name: string;
  /**
   * Keep reconnecting forever after the connection is lost (services: true, the default).
   * A CLI passes false so that a lost server fails the command instead of hanging.
   */
  readonly reconnect?: boolean;
  /** How long the first connection may take. Default 5 s. */
  readonly timeoutMs?: number;
}

/** A lost server is noticed within PING_INTERVAL_MS × MAX_PINGS_OUT (30 s). */
const PING_INTERVAL_MS = 10_000;
const MAX_PINGS_OUT = 3;

/**
 * The servers of a `[NATS] url`: one URL, or several separated by commas.
 *
 * @example
 * natsServers("nats://n1:4222, nats://n2:4222"); // ["nats://n1:4222", "nats://n2:4222"]
 */
export function natsServers(url: string): string[] {
  return url
    .split(",")
    .map((server) => server.trim())
    .filter((server) => server !== "");
}

const START_HINT =
  "Start pytarchive with `npm start` (it runs its own NATS server when no NATS URL is configured), " +
  "or start the NATS server at that address (e.g. `systemctl start nats-server`) and check `[NATS] url` in the configuration (or $PYTARCHIVE_NATS_URL).";

/**
 * Connects to NATS, with user and password from the credentials file when one is given.
 * Failures become PytarchiveErrors: NATS_UNREACHABLE, NATS_AUTH_FAILED, NATS_CREDENTIALS_*.
 *
 * @example
 * const nc = await connectNats({ url: "nats://127.0.0.1:4222", credentialsFile: "/etc/pytarchive/nats.cred", name: "pytarchive-cli", reconnect: false });
 * // … work …
 * await nc.drain();
 */
export async function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const credentials = options.credentialsFile ? readCredentialsFile(options.credentialsFile) : null;
  const shownUrl = redactUrl(options.url);
  const reconnect = options.reconnect ?? true;
  try {
    return await connect({
      servers: natsServers(options.url),
      // The order is the operator's: each host lists its nearest node first.
      noRandomize: true,
      name: options.name,
      timeout: options.timeoutMs ?? 5_000,
      reconnect,
      maxReconnectAttempts: reconnect ? -1 : 0,
      reconnectTimeWait: 1_000,
      // A node whose host vanished (power, network) sends no close: without pings a service
      // would wait minutes on a dead socket before moving to another node.
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
      ...(credentials ? { user: credentials.user, pass: credentials.password } : {}),
    });
  } catch (cause) {
    if (cause instanceof errors.AuthorizationError) {
      throw new PytarchiveError(
        "NATS_AUTH_FAILED",
        `The NATS server at ${shownUrl} refused ${credentials ? `user "${credentials.user}"` : "a connection without credentials"}: ${cause.message}.`,
        {
          hint: credentials
            ? `Check user and password in ${options.credentialsFile} against the server's configuration (infra/nats-server.conf).`
            : "Name a credentials file with `[NATS] credentials_file` in the configuration (user and password of a user in infra/nats-server.conf).",
          cause,
        },
      );
    }
    const reason = describeConnectFailure(cause);
    throw new PytarchiveError(
      "NATS_UNREACHABLE",
      `The NATS server at ${shownUrl} cannot be reached (${reason}).`,
      {
        hint: START_HINT,
        cause,
      },
    );
  }
}

function describeConnectFailure(cause: unknown): string {
  if (cause instanceof errors.TimeoutError) return "no answer in time";
  if (cause instanceof Error) return redactUrl(cause.message);
  return String(cause);
}
