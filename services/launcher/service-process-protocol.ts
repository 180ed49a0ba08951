import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { isErrorCode, PytarchiveError } from "../../shared/errors/index.ts";
import { messageOf } from "../../shared/format/index.ts";
import type { LogLevel } from "../../shared/logging/index.ts";
import type { NatsUser, ServiceHealth } from "../../shared/nats/index.ts";

/*
 * The messages between the launcher and a service process (service-process.ts) over the IPC
 * channel of child_process.fork. Everything is plain data: the configuration is the launcher's
 * (after the tape library was chosen, with the embedded NATS server's URL), errors travel as
 * code, message and hint and become PytarchiveErrors again on the other side.
 */

/** An error as it crosses the channel. */
export interface ErrorData {
  readonly code: string | null;
  readonly message: string;
  readonly hint: string | null;
}

/** Launcher → service process. */
export type ToServiceProcess =
  | {
      readonly type: "start";
      /** The process group's name, a field of every log line the process writes. */
      readonly group: string;
      /** The services connect as their NATS users with `<config.paths.stateDir>/credentials/<user>.cred`. */
      readonly config: PytarchiveConfig;
      readonly services: readonly string[];
      readonly logLevel: LogLevel;
      /** Module whose SERVICE_REGISTRY export lists the services; default the runner's registry. */
      readonly registry?: string;
    }
  | { readonly type: "health"; readonly id: number }
  | { readonly type: "stop" };

/** Service process → launcher. */
export type FromServiceProcess =
  | { readonly type: "log"; readonly line: string }
  | {
      readonly type: "started";
      readonly services: readonly { readonly name: string; readonly user: NatsUser }[];
    }
  | { readonly type: "start-failed"; readonly error: ErrorData }
  | { readonly type: "health"; readonly id: number; readonly report: Record<string, ServiceHealth> }
  | {
      readonly type: "stopped";
      readonly failures: readonly { readonly service: string; readonly error: ErrorData }[];
    };

/** An error as code, message and hint, for the channel. */
export function errorToData(error: unknown): ErrorData {
  if (error instanceof PytarchiveError) {
    return { code: error.code, message: error.message, hint: error.hint ?? null };
  }
  return { code: null, message: messageOf(error), hint: null };
}

/** The error again: a PytarchiveError with its code and hint when it was one, else an Error. */
export function errorFromData(data: ErrorData): Error {
  if (data.code !== null && isErrorCode(data.code)) {
    return new PytarchiveError(
      data.code,
      data.message,
      data.hint === null ? {} : { hint: data.hint },
    );
  }
  return new Error(data.message);
}
