import type { JetStreamManager } from "@nats-io/jetstream";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import {
  jetStreamScraper,
  registerJetStreamFamilies,
} from "../../../services/gateway/jetstream-metrics.ts";

describe("JetStream metrics", () => {
  it("answer a scrape within the timeout when NATS does not answer, showing JetStream down", async () => {
    const registry = new Registry();
    // A management API that never answers, as a hung NATS server.
    const silent = () => new Promise<JetStreamManager>(() => {});
    registerJetStreamFamilies(registry, jetStreamScraper(silent, "lib1", 200));
    const started = Date.now();
    const body = await registry.metrics();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(body).toContain("pytarchive_jetstream_up 0");
    expect(body).not.toContain("pytarchive_dead_letters{");
  });
});
