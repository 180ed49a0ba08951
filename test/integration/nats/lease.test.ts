import type { KV } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acquireLease,
  ensureKv,
  keepLeaseRenewed,
  releaseLease,
  renewLease,
  tryAcquireLease,
} from "../../../shared/nats/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { type Client, connectClient, uniqueLibraryId } from "./support.ts";

let server: TestNatsServer;
let client: Client;

beforeAll(async () => {
  server = await startNatsServer();
  client = await connectClient(server.url);
});

afterAll(async () => {
  await client?.nc.close();
  await server?.dispose();
});

async function leaseBucket(): Promise<KV> {
  return await ensureKv(client.jsm, uniqueLibraryId());
}

describe("KV leases", () => {
  it("gives a free lease to the first holder and refuses it to a second one while it is live", async () => {
    const kv = await leaseBucket();
    const first = await tryAcquireLease(kv, "changer", "host-a:1", 10_000);
    const second = await tryAcquireLease(kv, "changer", "host-b:2", 10_000);
    expect(first?.holder).toBe("host-a:1");
    expect(first?.revision).toBeGreaterThan(0);
    expect(second).toBeNull();
    const stored = (await kv.get("changer"))?.json<{ holder: string; expiresAt: number }>();
    expect(stored?.holder).toBe("host-a:1");
    expect(stored?.expiresAt).toBe(first?.expiresAt);
  });

  it("lets a second holder wait and take the lease as soon as the first releases it", async () => {
    const kv = await leaseBucket();
    const first = await tryAcquireLease(kv, "changer", "host-a:1", 10_000);
    if (first === null) throw new Error("the first holder should get the lease");
    const waits: string[] = [];
    const started = Date.now();
    const waiting = acquireLease(kv, "changer", "host-b:2", 10_000, {
      pollMs: 50,
      onWait: (heldBy) => waits.push(heldBy.holder),
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await releaseLease(kv, first)).toBe(true);
    const second = await waiting;
    expect(second.holder).toBe("host-b:2");
    expect(second.revision).toBeGreaterThan(first.revision);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(waits).toEqual(["host-a:1"]);
  });

  it("hands an expired lease to a waiting holder, and the old holder then finds it lost", async () => {
    const kv = await leaseBucket();
    const first = await tryAcquireLease(kv, "changer", "host-a:1", 800);
    if (first === null) throw new Error("the first holder should get the lease");
    const started = Date.now();
    const second = await acquireLease(kv, "changer", "host-b:2", 10_000, { pollMs: 50 });
    expect(second.holder).toBe("host-b:2");
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    await expect(renewLease(kv, first, 800)).rejects.toMatchObject({
      code: "LEASE_LOST",
      message: "The lease changer held by host-a:1 was taken over by host-b:2.",
    });
    // A stale release changes nothing: the new holder keeps it.
    expect(await releaseLease(kv, first)).toBe(false);
    expect((await kv.get("changer"))?.json<{ holder: string }>().holder).toBe("host-b:2");
  });

  it("renews a lease with compare-and-set, so the revision moves and the expiry extends", async () => {
    const kv = await leaseBucket();
    const lease = await tryAcquireLease(kv, "changer", "host-a:1", 1_000);
    if (lease === null) throw new Error("the holder should get the lease");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const renewed = await renewLease(kv, lease, 5_000);
    expect(renewed.revision).toBeGreaterThan(lease.revision);
    expect(renewed.expiresAt).toBeGreaterThan(lease.expiresAt);
    // The old revision is a stale fencing token now.
    await expect(renewLease(kv, lease, 5_000)).rejects.toMatchObject({
      code: "LEASE_LOST",
      message: expect.stringContaining(`renewed after revision ${lease.revision}`),
    });
  });

  it("gives a free lease to exactly one of many holders racing for it", async () => {
    const kv = await leaseBucket();
    const holders = Array.from({ length: 8 }, (_unused, index) => `host-${index}:1`);
    const results = await Promise.all(
      holders.map((holder) => tryAcquireLease(kv, "changer", holder, 10_000)),
    );
    const winners = results.filter((lease) => lease !== null);
    expect(winners).toHaveLength(1);
    expect((await kv.get("changer"))?.json<{ holder: string }>().holder).toBe(winners[0]?.holder);
  });

  it("keeps a lease renewed past its ttl so that nobody else can take it, until it is released", async () => {
    const kv = await leaseBucket();
    const lease = await tryAcquireLease(kv, "changer", "host-a:1", 600);
    if (lease === null) throw new Error("the holder should get the lease");
    const lost: string[] = [];
    const held = keepLeaseRenewed(kv, lease, 600, { onLost: (error) => lost.push(error.code) });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await tryAcquireLease(kv, "changer", "host-b:2", 600)).toBeNull();
    expect(held.current().revision).toBeGreaterThan(lease.revision);
    await held.release();
    expect((await tryAcquireLease(kv, "changer", "host-b:2", 600))?.holder).toBe("host-b:2");
    expect(lost).toEqual([]);
  });

  it("stops waiting when its signal aborts", async () => {
    const kv = await leaseBucket();
    await tryAcquireLease(kv, "changer", "host-a:1", 10_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expect(
      acquireLease(kv, "changer", "host-b:2", 10_000, { pollMs: 50, signal: controller.signal }),
    ).rejects.toMatchObject({ code: "LEASE_WAIT_ABORTED" });
  });
});
