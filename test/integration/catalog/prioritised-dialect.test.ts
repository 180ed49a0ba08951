import net from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inBackground } from "../../../services/catalog/db/index.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";

/*
 * The embedded catalog has one connection, and a `queue` asked while a read-back records its
 * files must not wait behind every batch already waiting: interactive queries go before the
 * background ones that wait with them, and between background transactions.
 */
describe("the embedded catalog's connection", () => {
  let database: TestCatalogDatabase;
  beforeAll(async () => {
    database = await pgliteDatabaseFactory.open();
  });
  afterAll(async () => {
    await database?.close();
  });

  /** A request that comes in over a socket, as a NATS message does: read between statements. */
  async function socketRequest(onRequest: () => Promise<void>) {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    const answered = new Promise<void>((resolve, reject) => {
      server.on("connection", (socket) =>
        socket.once("data", () => {
          onRequest().then(resolve, reject);
        }),
      );
    });
    const client = net.connect(port, "127.0.0.1");
    await new Promise((resolve) => client.once("connect", resolve));
    return {
      send: () => client.write("queue"),
      answered,
      close: () => {
        client.destroy();
        server.close();
      },
    };
  }

  it("goes to a request that arrived during a background statement before the background work waiting", async () => {
    const { db } = database;
    const order: string[] = [];
    const request = await socketRequest(async () => {
      const result = await sql<{ one: number }>`select 1 as one`.execute(db);
      order.push(`queue ${result.rows[0]?.one}`);
    });
    const bulk = (name: string) =>
      inBackground(() =>
        db.transaction().execute(async (trx) => {
          order.push(`${name} start`);
          if (name === "bulk 1") request.send();
          await sql`select pg_sleep(0.05)`.execute(trx);
          order.push(`${name} end`);
        }),
      );
    try {
      await Promise.all([bulk("bulk 1"), bulk("bulk 2"), bulk("bulk 3"), request.answered]);
    } finally {
      request.close();
    }

    expect(order).toEqual([
      "bulk 1 start",
      "bulk 1 end",
      "queue 1",
      "bulk 2 start",
      "bulk 2 end",
      "bulk 3 start",
      "bulk 3 end",
    ]);
  });

  it("reads requests between the statements of one background task, though no one waited yet", async () => {
    const { db } = database;
    const order: string[] = [];
    const request = await socketRequest(async () => {
      await sql`select 1`.execute(db);
      order.push("queue");
    });
    const listing = inBackground(async () => {
      await db.transaction().execute(async (trx) => {
        request.send();
        await sql`select pg_sleep(0.03)`.execute(trx);
      });
      order.push("slice 1");
      for (const slice of [2, 3]) {
        await sql`select pg_sleep(0.03)`.execute(db);
        order.push(`slice ${slice}`);
      }
    });
    try {
      await Promise.all([listing, request.answered]);
    } finally {
      request.close();
    }

    expect(order).toEqual(["slice 1", "queue", "slice 2", "slice 3"]);
  });

  it("lets background work wait its turn in order and never loses a waiter", async () => {
    const { db } = database;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        index % 3 === 0
          ? inBackground(() => sql<{ n: number }>`select ${index}::int as n`.execute(db))
          : sql<{ n: number }>`select ${index}::int as n`.execute(db),
      ),
    );
    expect(answers.map((result) => result.rows[0]?.n)).toEqual(
      Array.from({ length: 20 }, (_, index) => index),
    );
  });
});
