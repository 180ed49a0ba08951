import { PytarchiveError } from "../../shared/errors/index.ts";
import { describeDuration } from "../../shared/format/index.ts";
import { isProcessAlive } from "../../shared/lock-file/index.ts";
import type { GatewayAddress } from "./discover-gateway.ts";
import { START_HINT } from "./start-hint.ts";

/*
 * The shared NATS helpers word their errors for services ("the gateway service", "run the
 * runner"). An operator at the CLI needs to hear whether pytarchive runs and how to start it.
 */

function whereTheAddressCameFrom(address: GatewayAddress): string {
  const { source } = address;
  if (source.kind === "embedded") {
    const stale = isProcessAlive(source.launcherPid)
      ? ""
      : `; that \`npm start\` (process ${source.launcherPid}) is no longer running`;
    return ` The address comes from ${source.file}, written by \`npm start\`${stale}.`;
  }
  return ` If pytarchive runs at another address, set \`[NATS] url\` in ${source.file ?? "the configuration"} (or $PYTARCHIVE_NATS_URL).`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A failed connection: NATS_UNREACHABLE reworded to say pytarchive is not running; others as they are. */
export function connectFailure(error: unknown, address: GatewayAddress): unknown {
  if (!(error instanceof PytarchiveError) || error.code !== "NATS_UNREACHABLE") return error;
  return new PytarchiveError(
    "NATS_UNREACHABLE",
    `pytarchive is not running (or not reachable from here): ${lowerFirst(error.message)}`,
    { hint: `${START_HINT}${whereTheAddressCameFrom(address)}`, cause: error },
  );
}

/** A failed request: no gateway, no answer in time, or a lost connection, in the operator's words. */
export function requestFailure(
  error: unknown,
  verb: string,
  address: GatewayAddress,
  timeoutMs: number,
): unknown {
  if (!(error instanceof PytarchiveError)) return error;
  if (error.code === "SERVICE_NOT_RUNNING") {
    return new PytarchiveError(
      "SERVICE_NOT_RUNNING",
      `pytarchive is not running: the NATS server at ${address.url} answers, but no pytarchive gateway serves library '${address.libraryId}' there.`,
      {
        hint: `${START_HINT} If the other services run, start the gateway alone with \`npx tsx services/runner/main.ts --only gateway\`, and check that \`[NATS] library_id\` is the same for the CLI and the services.`,
        cause: error,
      },
    );
  }
  if (error.code === "SERVICE_TIMEOUT") {
    return new PytarchiveError(
      "SERVICE_TIMEOUT",
      `The pytarchive gateway did not answer \`${verb}\` within ${describeDuration(timeoutMs)}.`,
      {
        hint: "It may be busy or stuck: look at its log (`journalctl -u pytarchive`, or the terminal running `npm start`). A command that creates a task may have been queued anyway: check `pytarchive queue` before repeating it.",
        cause: error,
      },
    );
  }
  if (error.code === "NATS_PERMISSION_DENIED") {
    const user = address.credentialsFile === null ? "" : ` of ${address.credentialsFile}`;
    return new PytarchiveError(
      "NATS_PERMISSION_DENIED",
      `The NATS server at ${address.url} refused \`${verb}\` for library '${address.libraryId}': the NATS user${user} may not send that library's commands.`,
      {
        hint: `Where several libraries share NATS, each has its own operator user: give library '${address.libraryId}''s operator credentials in \`[NATS] credentials_file\` (or $PYTARCHIVE_NATS_CREDENTIALS), or ask on a host of that library.`,
        cause: error,
      },
    );
  }
  if (error.code === "NATS_REQUEST_FAILED") {
    return new PytarchiveError(
      "NATS_REQUEST_FAILED",
      `The connection to pytarchive at ${address.url} failed while sending \`${verb}\`: ${lowerFirst(error.message)}`,
      {
        hint: "Check that pytarchive still runs, then try again; `pytarchive queue` shows whether a task was queued.",
        cause: error,
      },
    );
  }
  return error;
}
