import type { JetStreamClient } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { PUBLISH_RETRIES, withPublishRetries } from "../../../shared/nats/index.ts";

/** A JetStream client whose publish only records the options it was given. */
function recordingClient(): { js: JetStreamClient; options: unknown[] } {
  const options: unknown[] = [];
  const js = {
    publish: (_subject: string, _payload?: unknown, given?: unknown) => {
      options.push(given);
      return Promise.resolve({ stream: "S", seq: 1, duplicate: false });
    },
  } as unknown as JetStreamClient;
  return { js, options };
}

describe("withPublishRetries", () => {
  it("tries a publish through a leader election while the service runs, once after it began to stop", async () => {
    const { js, options } = recordingClient();
    const stopping = new AbortController();
    const resilient = withPublishRetries(js, stopping.signal);
    await resilient.publish("pyt.x.events.a", "1", { msgID: "a" });
    // The launcher was killed and its nats-server with it: each report on the way out is tried
    // once, not for a minute (the service processes then outlived their launcher).
    stopping.abort();
    await resilient.publish("pyt.x.events.b", "2", { msgID: "b" });
    expect(options).toEqual([{ retries: PUBLISH_RETRIES, msgID: "a" }, { msgID: "b" }]);
  });

  it("keeps a caller's own retries", async () => {
    const { js, options } = recordingClient();
    await withPublishRetries(js).publish("pyt.x.events.a", "1", { retries: 2 });
    expect(options).toEqual([{ retries: 2 }]);
  });
});
