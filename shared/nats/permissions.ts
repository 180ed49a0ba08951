import { changerSubjects, kvBucketNames, streamNames, subjects } from "../messages/index.ts";
import {
  consumerListSubject,
  JS_API_INFO,
  kvBucketSubjects,
  kvReadSubjects,
  kvStreamName,
  pullConsumerSubjects,
  streamSetupSubjects,
} from "./jetstream-api-subjects.ts";
import {
  NATS_SERVICE_USERS,
  NATS_USERS,
  type NatsServiceUser,
  type NatsUser,
  OPERATOR_USER,
} from "./nats-users.ts";

/** What one NATS user may publish and subscribe to; everything else the server refuses. */
export interface SubjectPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /**
   * May answer requests it received (nats-server's `allow_responses`: one reply to the reply
   * subject of each request delivered to it), without a publish grant on `_INBOX.>`.
   */
  readonly allowResponses: boolean;
}

/** The only service that answers the CLI's commands (`pyt.<lib>.cmd.>`) and `$SRV` discovery. */
export const COMMAND_RESPONDER: NatsServiceUser = "gateway";

/**
 * The only service that may consume tape moves, through its durable consumer `changer`; it also
 * answers `pyt.<lib>.changer.status`.
 */
export const MOVE_CONSUMER: NatsServiceUser = "changer";

/**
 * The services that may publish a tape move. Only the scheduler: it assigns drives and orders
 * the moves of every job, so one place decides what the robot does. The ltfs service asks the
 * scheduler (work `pyt.<lib>.work.scheduler.…`) instead of moving tapes itself.
 */
export const MOVE_PUBLISHERS: readonly NatsServiceUser[] = ["scheduler"];

/** Services that may read and write the library's lease bucket (single-writer leases). */
export const LEASE_HOLDERS: readonly NatsServiceUser[] = ["changer", "scheduler"];

/**
 * The service that answers catalog requests on `pyt.<lib>.catalog.>` (it owns the database);
 * every service may send them.
 */
export const CATALOG_RESPONDER: NatsServiceUser = "catalog";

/**
 * The services that may ask the changer for the library's status (`pyt.<lib>.changer.status`,
 * answered by the changer): the gateway for its views, the scheduler to plan moves.
 */
export const CHANGER_STATUS_READERS: readonly NatsServiceUser[] = ["gateway", "scheduler"];

/**
 * The service that serves /metrics: it may list the consumers of the library's streams (pending,
 * ack-pending and redelivered counts), read the drive states in the lease bucket (never write
 * them) and hear the changer's move outcomes. All of it read-only.
 */
export const METRICS_READER: NatsServiceUser = "gateway";

/** Workers: every service the scheduler hands steps to. */
const WORKERS: readonly NatsServiceUser[] = NATS_SERVICE_USERS.filter(
  (user) => user !== "gateway" && user !== "scheduler" && user !== "changer",
);

/**
 * Whose work queue (`pyt.<lib>.work.<target>.>`) each service may publish to. The gateway turns
 * commands into work for the scheduler; the scheduler hands each step to the service that does
 * it; every other service hands results back to the scheduler, records facts with the catalog
 * and asks the notifier for a mail. The notifier queues its own mails about failed jobs (the
 * queue retries them and de-duplicates repeated events). Tape moves are not work: see
 * {@link MOVE_PUBLISHERS}.
 */
export const WORK_HANDOFFS: Readonly<Record<NatsServiceUser, readonly NatsServiceUser[]>> = {
  gateway: ["scheduler", "catalog"],
  scheduler: WORKERS,
  changer: ["scheduler", "catalog", "notifier"],
  ltfs: ["scheduler", "catalog", "notifier"],
  compression: ["scheduler", "catalog", "notifier"],
  verification: ["scheduler", "catalog", "notifier"],
  export: ["scheduler", "catalog", "notifier"],
  inventory: ["scheduler", "catalog", "notifier"],
  catalog: ["scheduler", "notifier"],
  notifier: ["scheduler", "catalog", "notifier"],
};

/** One line per user for nats-server.conf and the docs: what the user is for. */
export const USER_ROLES: Readonly<Record<NatsUser, string>> = {
  gateway:
    "the front door: answers the CLI's commands and $SRV discovery, hands jobs to the scheduler",
  scheduler: "the queue: hands steps to the workers and is the only publisher of tape moves",
  changer:
    "the only consumer of tape moves (durable consumer `changer` on the changer stream); answers changer status",
  ltfs: "formats, mounts and copies; works its own queue",
  compression: "prepare: measures and packs folders; works its own queue",
  verification: "checksums and read-back checks; works its own queue",
  export: "NFS export of explored tapes; works its own queue",
  inventory: "size and age reports of source folders; works its own queue",
  catalog: "the only owner of the database: answers catalog requests, materialises events",
  notifier: "mail and chat; works its own queue",
  operator: "the pytarchive CLI: may only send commands to the gateway (and ask $SRV discovery)",
};

/**
 * The subjects a user may publish and subscribe to in library `libraryId`. This is the single
 * source of truth: nats-server.conf is written from it, and the tests check it.
 *
 * Every service user may: look up the account ($JS.API.INFO); look up, create and update the
 * library's streams and lease bucket (never delete or purge them: the runner ensures them at
 * every start and any service may start first); consume its own work queue through the durable
 * consumer named after it; publish events and its own dead letters; consume events through a
 * durable consumer named after it; read single messages of the events and dead-letter streams;
 * send catalog requests (`pyt.<lib>.catalog.>`); publish work to the services in
 * {@link WORK_HANDOFFS}; receive replies on `_INBOX.>`.
 *
 * @example
 * userPermissions("default", "operator").publish; // ["pyt.default.cmd.>", "$SRV.>"]
 */
export function userPermissions(libraryId: string, user: NatsUser): SubjectPermissions {
  const s = subjects(libraryId);
  const streams = streamNames(libraryId);
  const leases = kvBucketNames(libraryId).leases;
  if (user === OPERATOR_USER) {
    return {
      publish: [s.allCommands, "$SRV.>"],
      subscribe: ["_INBOX.>"],
      allowResponses: false,
    };
  }
  const libraryStreams = [
    streams.work,
    streams.changer,
    streams.events,
    streams.deadLetters,
    kvStreamName(leases),
  ];
  const publish = [
    JS_API_INFO,
    ...libraryStreams.flatMap(streamSetupSubjects),
    ...pullConsumerSubjects(streams.work, user, s.workOf(user)),
    ...pullConsumerSubjects(streams.events, user, s.allEvents),
    `$JS.API.STREAM.MSG.GET.${streams.events}`,
    `$JS.API.STREAM.MSG.GET.${streams.deadLetters}`,
    s.allEvents,
    s.deadLetter(user),
    s.allCatalog,
    ...WORK_HANDOFFS[user].map((target) => s.workOf(target)),
  ];
  const subscribe = ["_INBOX.>"];
  if (MOVE_PUBLISHERS.includes(user)) publish.push(s.changerMove);
  if (user === MOVE_CONSUMER) {
    publish.push(...pullConsumerSubjects(streams.changer, MOVE_CONSUMER, s.changerMove));
  }
  if (LEASE_HOLDERS.includes(user)) publish.push(...kvBucketSubjects(leases));
  if (CHANGER_STATUS_READERS.includes(user)) publish.push(s.changerStatus);
  if (user === METRICS_READER) {
    publish.push(
      ...[streams.work, streams.changer, streams.events, streams.deadLetters].map(
        consumerListSubject,
      ),
      ...kvReadSubjects(leases),
    );
  }
  // Only the gateway (for the operator's `pytarchive clear-drive`) may lift a drive's block.
  if (user === COMMAND_RESPONDER) publish.push(changerSubjects(libraryId).clearDrive);
  const answered: Partial<Record<NatsServiceUser, string>> = {
    [COMMAND_RESPONDER]: s.allCommands,
    [CATALOG_RESPONDER]: s.allCatalog,
    [MOVE_CONSUMER]: s.changerStatus,
  };
  const answers = answered[user] ?? null;
  // Responders may run as @nats-io/services micro-services, which answer $SRV discovery.
  if (answers !== null) subscribe.push(answers, "$SRV.>");
  if (user === MOVE_CONSUMER) subscribe.push(changerSubjects(libraryId).clearDrive);
  if (user === METRICS_READER) subscribe.push(changerSubjects(libraryId).moveOutcomes);
  return {
    publish: [...new Set(publish)],
    subscribe,
    allowResponses: answers !== null,
  };
}

/**
 * Every user's permissions in library `libraryId`, in {@link NATS_USERS} order.
 *
 * @example
 * Object.keys(libraryPermissions("default")); // ["gateway", …, "notifier", "operator"]
 */
export function libraryPermissions(libraryId: string): Record<NatsUser, SubjectPermissions> {
  const entries = NATS_USERS.map((user) => [user, userPermissions(libraryId, user)] as const);
  return Object.fromEntries(entries) as Record<NatsUser, SubjectPermissions>;
}

/**
 * Whether a NATS subject pattern (with `*` for one token and a final `>` for one or more)
 * covers `subject`, as nats-server matches permissions.
 *
 * @example
 * subjectMatches("pyt.lib1.cmd.>", "pyt.lib1.cmd.archive"); // true
 * subjectMatches("$JS.ACK.*.*.S.c.>", "$JS.ACK.S.c.1.1.1.1.0"); // false
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const wanted = pattern.split(".");
  const actual = subject.split(".");
  for (const [index, token] of wanted.entries()) {
    if (token === ">") return actual.length > index;
    const other = actual[index];
    if (other === undefined) return false;
    if (token !== "*" && token !== other) return false;
  }
  return wanted.length === actual.length;
}

/**
 * Whether `permissions` let a user publish (or subscribe) to `subject`. Replies granted by
 * `allowResponses` are not covered: they depend on the requests received.
 *
 * @example
 * isPermitted(userPermissions("default", "operator"), "publish", "pyt.default.changer.move"); // false
 */
export function isPermitted(
  permissions: SubjectPermissions,
  operation: "publish" | "subscribe",
  subject: string,
): boolean {
  return permissions[operation].some((pattern) => subjectMatches(pattern, subject));
}
