import type { Msg } from "@nats-io/nats-core";
import { isTransientError, PytarchiveError } from "../../shared/errors/index.ts";
import { messageOf } from "../../shared/format/index.ts";
import type { LibraryStatus } from "../../shared/hardware/mtx/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import {
  ChangerStatusReply,
  ChangerStatusRequest,
  type DriveLiveState,
} from "../../shared/messages/index.ts";
import { respondWithServiceError } from "./respond-error.ts";

export interface StatusSources {
  /** A fresh `mtx status`. */
  readonly readLibrary: () => Promise<LibraryStatus>;
  /** Each drive's live state, for requests that ask for it. */
  readonly readDrives: (library: LibraryStatus) => Promise<DriveLiveState[]>;
}

/**
 * Answers `pyt.<lib>.changer.status` with a fresh `mtx status` (and, when asked, each drive's
 * live state), or why the library cannot be read (`statusRefusal`).
 */
export async function answerStatus(msg: Msg, sources: StatusSources, log: Logger): Promise<void> {
  let wantsDrives: boolean;
  try {
    // An empty body is the oldest form of the request: the library alone.
    wantsDrives = msg.data.length > 0 && ChangerStatusRequest.decode(msg.data).drives === true;
  } catch (error) {
    const refusal = new PytarchiveError("INVALID_ARGUMENT", messageOf(error), {
      hint: 'Send `{}`, or `{ "drives": true }` for the drives\' state too.',
    });
    respondWithServiceError(msg, refusal, 400);
    return;
  }
  try {
    const library = await sources.readLibrary();
    const drives = wantsDrives ? await sources.readDrives(library) : undefined;
    msg.respond(
      ChangerStatusReply.encode({
        library,
        readAt: new Date().toISOString(),
        ...(drives === undefined ? {} : { drives }),
      }),
    );
  } catch (error) {
    const refusal = statusRefusal(error);
    log.warn("changer status request failed", { code: refusal.code, reason: refusal.message });
    respondWithServiceError(msg, refusal, isTransientError(refusal) ? 503 : 500);
  }
}

/**
 * Why the library cannot be read, as clients get it: mtx's own code and advice (a device that
 * cannot be opened is not cured by asking again, a busy one is), CHANGER_UNAVAILABLE for
 * anything that is not one of pytarchive's errors.
 */
export function statusRefusal(error: unknown): PytarchiveError {
  if (!(error instanceof PytarchiveError)) return changerUnavailable(messageOf(error));
  if (error.code === "CHANGER_UNAVAILABLE") return error;
  return new PytarchiveError(error.code, `The tape library cannot be read: ${error.message}`, {
    hint: error.hint ?? LIBRARY_HINT,
    cause: error,
  });
}

/** The library cannot be read for a reason mtx gave no code for (or there is no changer). */
export function changerUnavailable(reason: string, hint?: string): PytarchiveError {
  return new PytarchiveError("CHANGER_UNAVAILABLE", `The tape library cannot be read: ${reason}`, {
    hint: hint ?? LIBRARY_HINT,
  });
}

const LIBRARY_HINT =
  "Check [Device] library and [Tools] mtx in pytarchive.conf, and run `mtx -f <library> status` by hand.";

export function hintOf(error: unknown): string | undefined {
  return error instanceof PytarchiveError ? error.hint : undefined;
}
