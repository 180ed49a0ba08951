import { PytarchiveError } from "../../shared/errors/index.ts";
import { NATS_SERVICE_USERS, type NatsServiceUser } from "../../shared/nats/index.ts";

/**
 * Services that are not a NATS user of their own run as the user whose subjects they use: the
 * diagnostic `echo` answers a command (`pyt.<lib>.cmd.echo`), which is the gateway's to answer.
 */
const RUNS_AS: Readonly<Record<string, NatsServiceUser>> = { echo: "gateway" };

/**
 * The NATS user a service connects as: its own name when that is a user, else {@link RUNS_AS}.
 * A service with neither is refused, so no service runs with permissions nobody wrote down.
 *
 * @example
 * natsUserOfService("changer"); // "changer"
 * natsUserOfService("echo"); // "gateway"
 */
export function natsUserOfService(service: string): NatsServiceUser {
  const own = NATS_SERVICE_USERS.find((user) => user === service);
  const user = own ?? RUNS_AS[service];
  if (user === undefined) {
    throw new PytarchiveError(
      "SERVICE_HAS_NO_NATS_USER",
      `The service "${service}" has no NATS user, so the embedded NATS server would refuse it.`,
      {
        hint: "Add it to NATS_SERVICE_USERS (shared/nats/nats-users.ts) with its subjects in shared/nats/permissions.ts, or map it in services/launcher/service-users.ts.",
      },
    );
  }
  return user;
}
