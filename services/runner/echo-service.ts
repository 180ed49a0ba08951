import { subjects } from "../../shared/messages/index.ts";
import type { ServiceDefinition } from "../../shared/nats/index.ts";

/**
 * A diagnostic service: answers every request on `pyt.<lib>.cmd.echo` with its payload, so
 * `nats req pyt.<lib>.cmd.echo hello` shows that a runner is up and reachable. The runner's own
 * tests use it too.
 */
export const echoService: ServiceDefinition = {
  name: "echo",
  async start({ nc, config, log }) {
    const subject = subjects(config.nats.libraryId).command("echo");
    let answered = 0;
    const subscription = nc.subscribe(subject, {
      queue: "echo",
      callback: (error, msg) => {
        if (error) {
          log.error("echo subscription failed", { error });
          return;
        }
        answered++;
        msg.respond(msg.data);
      },
    });
    log.info("answering echo requests", { subject });
    return {
      health: async () =>
        subscription.isClosed()
          ? { ok: false, detail: "the echo subscription is closed" }
          : { ok: true, detail: `${answered} requests answered` },
      stop: async () => {
        await subscription.drain();
      },
    };
  },
};
