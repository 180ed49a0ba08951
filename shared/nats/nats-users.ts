/**
 * The NATS users of one pytarchive installation: one per service, so that each service can do
 * only its own work, and `operator` for the `pytarchive` CLI. Their subject permissions are in
 * permissions.ts; infra/nats/nats-server-config.ts writes them into nats-server.conf.
 */
export const NATS_SERVICE_USERS = [
  "gateway",
  "scheduler",
  "changer",
  "ltfs",
  "compression",
  "verification",
  "export",
  "inventory",
  "catalog",
  "notifier",
] as const;
export type NatsServiceUser = (typeof NATS_SERVICE_USERS)[number];

/** The CLI's user: it may only send commands to the gateway. */
export const OPERATOR_USER = "operator";

export const NATS_USERS = [...NATS_SERVICE_USERS, OPERATOR_USER] as const;
export type NatsUser = (typeof NATS_USERS)[number];

/**
 * True when `name` is one of {@link NATS_USERS}.
 *
 * @example
 * isNatsUser("changer"); // true
 * isNatsUser("root"); // false
 */
export function isNatsUser(name: string): name is NatsUser {
  return (NATS_USERS as readonly string[]).includes(name);
}
