import type { Msg } from "@nats-io/nats-core";
import { PytarchiveError } from "../../shared/errors/index.ts";
import type { LibraryStatus } from "../../shared/hardware/mtx/index.ts";
import type { Logger } from "../../shared/logging/index.ts";
import { ChangerStatusReply } from "../../shared/messages/changer-status.ts";
import { respondWithServiceError } from "./respond-error.ts";

/** Answers `pyt.<lib>.changer.status` with a fresh `mtx status`, or CHANGER_UNAVAILABLE. */
export async function answerStatus(
  msg: Msg,
  readLibrary: () => Promise<LibraryStatus>,
  log: Logger,
): Promise<void> {
  try {
    const library = await readLibrary();
    msg.respond(ChangerStatusReply.encode({ library, readAt: new Date().toISOString() }));
  } catch (error) {
    const refusal =
      error instanceof PytarchiveError && error.code === "CHANGER_UNAVAILABLE"
        ? error
        : changerUnavailable(describe(error), hintOf(error));
    log.warn("changer status request failed", { code: refusal.code, reason: refusal.message });
    respondWithServiceError(msg, refusal, 503);
  }
}

/** Every failure to read the library reaches clients as CHANGER_UNAVAILABLE, with mtx's reason. */
export function changerUnavailable(reason: string, hint?: string): PytarchiveError {
  return new PytarchiveError("CHANGER_UNAVAILABLE", `The tape library cannot be read: ${reason}`, {
    hint:
      hint ??
      "Check [Device] library and [Tools] mtx in pytarchive.conf, and run `mtx -f <library> status` by hand.",
  });
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function hintOf(error: unknown): string | undefined {
  return error instanceof PytarchiveError ? error.hint : undefined;
}
