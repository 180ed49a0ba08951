import { libraryIdOrThrow, subjectTokenOrThrow } from "./subject-token.ts";

/** Every NATS subject of one tape library. Build once with {@link subjects} and import; never retype. */
export interface LibrarySubjects {
  readonly libraryId: string;
  /** `pyt.<lib>`: the prefix of everything below. */
  readonly prefix: string;
  /** `pyt.<lib>.cmd.<verb>`: request/reply commands answered by the gateway. */
  command(verb: string): string;
  /** `pyt.<lib>.cmd.>`: all commands (for permissions). */
  readonly allCommands: string;
  /** `pyt.<lib>.work.<service>.<step>`: a work-queue subject for one step of one service. */
  work(service: string, step: string): string;
  /** `pyt.<lib>.work.<service>.>`: the filter of a service's durable consumer. */
  workOf(service: string): string;
  /** `pyt.<lib>.work.>`: everything in the work stream. */
  readonly allWork: string;
  /** `pyt.<lib>.events.<kind>`, kind like `job.created` (dot-separated tokens). */
  event(kind: string): string;
  /** `pyt.<lib>.events.>`: everything in the events stream. */
  readonly allEvents: string;
  /** `pyt.<lib>.changer.move`: tape moves; only the changer may consume them. */
  readonly changerMove: string;
  /** `pyt.<lib>.catalog.<op>`: request/reply to the catalog service, the database's only owner. */
  catalog(op: string): string;
  /** `pyt.<lib>.catalog.>`: every catalog request (for permissions). */
  readonly allCatalog: string;
  /** `pyt.<lib>.changer.status`: request/reply, the changer's parsed `mtx status`. */
  readonly changerStatus: string;
  /** `pyt.<lib>.dlq.<service>`: messages a service gave up on, with the error. */
  deadLetter(service: string): string;
  /** `pyt.<lib>.dlq.>`: everything in the dead-letter stream. */
  readonly allDeadLetters: string;
}

/**
 * The subjects of library `libraryId` (validated as a subject token).
 *
 * @example
 * const s = subjects("lib1");
 * s.command("archive"); // "pyt.lib1.cmd.archive"
 * s.work("ltfs", "copy"); // "pyt.lib1.work.ltfs.copy"
 * s.event("job.created"); // "pyt.lib1.events.job.created"
 * s.catalog("queue"); // "pyt.lib1.catalog.queue"
 */
export function subjects(libraryId: string): LibrarySubjects {
  const prefix = `pyt.${libraryIdOrThrow(libraryId)}`;
  return {
    libraryId,
    prefix,
    command: (verb) => `${prefix}.cmd.${subjectTokenOrThrow(verb, "command verb")}`,
    allCommands: `${prefix}.cmd.>`,
    work: (service, step) =>
      `${prefix}.work.${subjectTokenOrThrow(service, "service name")}.${subjectTokenOrThrow(step, "step name")}`,
    workOf: (service) => `${prefix}.work.${subjectTokenOrThrow(service, "service name")}.>`,
    allWork: `${prefix}.work.>`,
    event: (kind) =>
      `${prefix}.events.${kind
        .split(".")
        .map((token) => subjectTokenOrThrow(token, "event kind part"))
        .join(".")}`,
    allEvents: `${prefix}.events.>`,
    changerMove: `${prefix}.changer.move`,
    catalog: (op) => `${prefix}.catalog.${subjectTokenOrThrow(op, "catalog operation")}`,
    allCatalog: `${prefix}.catalog.>`,
    changerStatus: `${prefix}.changer.status`,
    deadLetter: (service) => `${prefix}.dlq.${subjectTokenOrThrow(service, "service name")}`,
    allDeadLetters: `${prefix}.dlq.>`,
  };
}

/** JetStream stream names of one library. */
export interface LibraryStreams {
  /** `PYT_<lib>_WORK`: work-queue retention over `pyt.<lib>.work.>`. */
  readonly work: string;
  /** `PYT_<lib>_CHANGER`: work-queue retention over `pyt.<lib>.changer.move`. */
  readonly changer: string;
  /** `PYT_<lib>_EVENTS`: limits retention over `pyt.<lib>.events.>`. */
  readonly events: string;
  /** `PYT_<lib>_DLQ`: limits retention over `pyt.<lib>.dlq.>`. */
  readonly deadLetters: string;
}

/**
 * Stream names of library `libraryId`. The id is used as written (not upper-cased), so two ids
 * that differ only in case never share a stream.
 *
 * @example
 * streamNames("lib1").work; // "PYT_lib1_WORK"
 */
export function streamNames(libraryId: string): LibraryStreams {
  const id = libraryIdOrThrow(libraryId);
  return {
    work: `PYT_${id}_WORK`,
    changer: `PYT_${id}_CHANGER`,
    events: `PYT_${id}_EVENTS`,
    deadLetters: `PYT_${id}_DLQ`,
  };
}

/** KV bucket names of one library. */
export interface LibraryBuckets {
  /** `pyt_<lib>_leases`: single-writer leases (e.g. the changer's). */
  readonly leases: string;
}

/**
 * KV bucket names of library `libraryId`.
 *
 * @example
 * kvBucketNames("lib1").leases; // "pyt_lib1_leases"
 */
export function kvBucketNames(libraryId: string): LibraryBuckets {
  return { leases: `pyt_${libraryIdOrThrow(libraryId)}_leases` };
}
