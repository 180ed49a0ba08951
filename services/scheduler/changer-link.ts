import type { JetStreamClient } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Static } from "@sinclair/typebox";
import {
  ChangerStatusReply,
  ChangerStatusRequest,
  type LibraryStatusSchema,
  MoveRequest,
  subjects,
} from "../../shared/messages/index.ts";
import { readBlockedDrives, request } from "../../shared/nats/index.ts";

export type LibraryStatus = Static<typeof LibraryStatusSchema>;

/** What the scheduler asks of the changer: where tapes are, which drives are blocked, moves. */
export interface ChangerLink {
  /** The library as the changer last read it. */
  status(): Promise<LibraryStatus>;
  /** Drives among `drives` the changer blocked (53/03 twice) until an operator clears them. */
  blockedDrives(drives: readonly number[]): Promise<Set<number>>;
  /** Publishes a move on `pyt.<lib>.changer.move`; its outcome comes back as an event. */
  move(move: MoveRequest): Promise<void>;
}

/**
 * The changer link over NATS: changer status by request, blocked drives from the library's lease
 * bucket (the changer records them there), moves on the changer's JetStream subject with the
 * move id as message id, so a move sent twice within two minutes is one move.
 */
export function createChangerLink(
  nc: NatsConnection,
  js: JetStreamClient,
  kv: KV,
  libraryId: string,
): ChangerLink {
  const s = subjects(libraryId);
  return {
    status: async () =>
      (
        await request(
          nc,
          s.changerStatus,
          {},
          {
            request: ChangerStatusRequest,
            reply: ChangerStatusReply,
            timeoutMs: 10_000,
            service: "changer",
          },
        )
      ).library,
    blockedDrives: async (drives) =>
      new Set((await readBlockedDrives(kv, libraryId, drives)).keys()),
    move: async (move) => {
      await js.publish(s.changerMove, MoveRequest.encode(move), { msgID: move.moveId });
    },
  };
}
