import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "../logging/index.ts";

/** How long drainNats waits for a drain unless told otherwise. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/**
 * Drains the connection (pending subscriptions finish, outgoing acks are flushed), then closes it;
 * closes at once if the drain does not finish in `timeoutMs` (default 10 s) or is impossible.
 * Why drain and not close: a close right after an ack can lose the ack, and the message comes back.
 *
 * @example
 * await drainNats(nc, { log });
 */
export async function drainNats(
  nc: NatsConnection,
  options: { timeoutMs?: number; log?: Logger } = {},
): Promise<void> {
  if (nc.isClosed()) return;
  const timeoutMs = options.timeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const outcome = await Promise.race([nc.drain().then(() => "drained" as const), timedOut]);
    if (outcome === "timeout") {
      options.log?.warn("NATS drain did not finish in time; closing", { timeoutMs });
      await nc.close();
    }
  } catch (error) {
    // Already draining/closed, or the server is gone: closing is all that is left.
    options.log?.debug("NATS drain failed; closing", { error });
    if (!nc.isClosed()) await nc.close();
  } finally {
    clearTimeout(timer);
  }
}
