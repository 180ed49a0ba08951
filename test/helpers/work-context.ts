import type { Logger } from "../../shared/logging/index.ts";
import type { WorkContext } from "../../shared/nats/index.ts";

/** What the work consumer hands a handler for one delivery, without JetStream behind it. */
export function workContext(options: {
  subject: string;
  deliveryCount?: number;
  log: Logger;
}): WorkContext {
  return {
    subject: options.subject,
    deliveryCount: options.deliveryCount ?? 1,
    streamSequence: 1,
    signal: new AbortController().signal,
    log: options.log,
    working: () => {},
    progress: async () => {},
  };
}
