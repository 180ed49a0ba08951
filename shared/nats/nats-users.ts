import { PytarchiveError } from "../errors/index.ts";
import { libraryIdOrThrow } from "../messages/index.ts";

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

/** One NATS user of one library, as a server shared by several libraries names it. */
export interface LibraryNatsUser {
  readonly libraryId: string;
  /** Whose permissions it has in its library (shared/nats/permissions.ts). */
  readonly user: NatsUser;
  /** Its name on the server and in its credentials file. */
  readonly name: string;
}

/**
 * The NATS users of every library served by one nats-server or cluster, library by library in
 * the order given. The first library's users are named after their service (`ltfs`), as a
 * server of one library names them, so a site that adds a library keeps its credentials; each
 * further library's are `<user>-<library id>` (`ltfs-zeus`). Names cannot collide: service
 * names have no `-`, and library ids differ. Ids are checked as `[NATS] library_id` is
 * (INVALID_LIBRARY_ID); none, or one given twice, is refused (NATS_CONFIG_INVALID).
 *
 * @example
 * libraryNatsUsers(["hera", "zeus"]).map((user) => user.name);
 * // ["gateway", …, "operator", "gateway-zeus", …, "operator-zeus"]
 */
export function libraryNatsUsers(libraryIds: readonly string[]): LibraryNatsUser[] {
  if (libraryIds.length === 0) {
    throw new PytarchiveError("NATS_CONFIG_INVALID", "No library id was given.", {
      hint: "Give the `[NATS] library_id` of every library the NATS server serves.",
    });
  }
  const seen = new Set<string>();
  return libraryIds.flatMap((libraryId, index) => {
    libraryIdOrThrow(libraryId);
    if (seen.has(libraryId)) {
      throw new PytarchiveError(
        "NATS_CONFIG_INVALID",
        `The library id "${libraryId}" was given twice.`,
        { hint: "Give each library id once." },
      );
    }
    seen.add(libraryId);
    return NATS_USERS.map((user) => ({
      libraryId,
      user,
      name: index === 0 ? user : `${user}-${libraryId}`,
    }));
  });
}
