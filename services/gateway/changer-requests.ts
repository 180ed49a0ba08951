import type { NatsConnection } from "@nats-io/nats-core";
import {
  ChangerStatusReply,
  ChangerStatusRequest,
  ClearDriveReply,
  ClearDriveRequest,
  changerSubjects,
  subjects,
} from "../../shared/messages/index.ts";
import { request } from "../../shared/nats/index.ts";
import type { GatewayDependencies } from "./gateway-handlers.ts";

/** What the gateway asks the changer service: the library's status and clearing a drive. */
export function changerRequests(
  nc: NatsConnection,
  libraryId: string,
): Pick<GatewayDependencies, "readLibrary" | "readLiveLibrary" | "clearDrive"> {
  const statusSubject = subjects(libraryId).changerStatus;
  return {
    readLibrary: async () =>
      (
        await request(
          nc,
          statusSubject,
          {},
          {
            request: ChangerStatusRequest,
            reply: ChangerStatusReply,
            timeoutMs: 2_000,
            service: "changer",
          },
        )
      ).library,
    // Below the CLI's 10 s: a changer that does not answer is named, not the gateway.
    readLiveLibrary: () =>
      request(
        nc,
        statusSubject,
        { drives: true },
        {
          request: ChangerStatusRequest,
          reply: ChangerStatusReply,
          timeoutMs: 8_000,
          service: "changer",
        },
      ),
    clearDrive: (drive) =>
      request(
        nc,
        changerSubjects(libraryId).clearDrive,
        { drive, by: "pytarchive clear-drive" },
        {
          request: ClearDriveRequest,
          reply: ClearDriveReply,
          timeoutMs: 10_000,
          service: "changer",
        },
      ),
  };
}
