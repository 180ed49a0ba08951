import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import { Counter, type Registry } from "prom-client";
import {
  changerSubjects,
  MOVE_EVENTS,
  MOVE_KINDS,
  MoveDone,
  MoveFailed,
} from "../../shared/messages/index.ts";

/**
 * `pytarchive_changer_moves_total{kind,outcome}` and
 * `pytarchive_changer_move_failures_total{kind,code,sense}`, counted from the changer's move
 * outcomes as they happen. Moves are not in the catalog, so these start at 0 when the gateway
 * starts (Prometheus's rate() and increase() take such a reset in their stride). A repeated move
 * that found the tape already in place is not counted: the robot did nothing.
 */
export function countChangerMoves(
  registry: Registry,
  nc: NatsConnection,
  libraryId: string,
): Subscription {
  const moves = new Counter({
    name: "pytarchive_changer_moves_total",
    help: "Tape moves the changer ended since the gateway started, by kind (load, unload, transfer, return-home) and outcome (done, failed).",
    labelNames: ["kind", "outcome"] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: "pytarchive_changer_move_failures_total",
    help: "Failed tape moves since the gateway started, by kind, error code and Request Sense (ASC/ASCQ, none when mtx printed none).",
    labelNames: ["kind", "code", "sense"] as const,
    registers: [registry],
  });
  for (const kind of MOVE_KINDS) {
    for (const outcome of ["done", "failed"]) moves.inc({ kind, outcome }, 0);
  }
  const outcomes = changerSubjects(libraryId);
  return nc.subscribe(outcomes.moveOutcomes, {
    callback: (error, message) => {
      if (error !== null) return;
      try {
        if (message.subject.endsWith(MOVE_EVENTS.done)) {
          const done = MoveDone.decode(message.data);
          if (!done.alreadyInPlace) moves.inc({ kind: done.kind, outcome: "done" });
        } else if (message.subject.endsWith(MOVE_EVENTS.failed)) {
          const failed = MoveFailed.decode(message.data);
          moves.inc({ kind: failed.kind, outcome: "failed" });
          failures.inc({
            kind: failed.kind,
            code: failed.error.code,
            sense: failed.sense ?? "none",
          });
        }
      } catch {
        // An event this gateway cannot read (a newer changer) is not counted rather than miscounted.
      }
    },
  });
}
