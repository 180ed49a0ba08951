import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { PytarchiveConfig } from "../config/index.ts";
import type { Logger } from "../logging/index.ts";

/**
 * What a service gets from the runner. The connection is shared by every service in the process;
 * a service must not close or drain it (the runner does, after every service stopped).
 */
export interface ServiceContext {
  readonly config: PytarchiveConfig;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** A logger with this service's name. */
  readonly log: Logger;
  /** Aborted when the runner begins to stop; stop() follows. */
  readonly signal: AbortSignal;
}

export interface ServiceHealth {
  readonly ok: boolean;
  /** Why not ok, or a short status ("3 jobs running"). */
  readonly detail?: string;
}

/** A started service. */
export interface RunningService {
  health(): Promise<ServiceHealth>;
  /** Stops taking work, finishes or hands back what is in flight, releases what it holds. */
  stop(): Promise<void>;
}

/**
 * A service: the folder `services/<name>/` exports one from its `index.ts`, and
 * `services/runner/registry.ts` lists it.
 *
 * @example
 * export const gateway: ServiceDefinition = {
 *   name: "gateway",
 *   async start(ctx) {
 *     const consumer = await runWorkConsumer({ js: ctx.js, log: ctx.log, signal: ctx.signal, ... });
 *     return { health: async () => ({ ok: true }), stop: () => consumer.stop() };
 *   },
 * };
 */
export interface ServiceDefinition {
  /** Also the name for `--only`; a subject token (letters, digits, - and _). */
  readonly name: string;
  /**
   * How long its stop() may take before the runner gives up on it and moves on. Default the
   * runner's (30 s); the ltfs service waits longer, for LTFS to write a tape's index.
   */
  readonly stopTimeoutMs?: number;
  start(context: ServiceContext): Promise<RunningService>;
}
