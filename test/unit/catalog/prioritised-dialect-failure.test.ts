import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from "kysely";
import { describe, expect, it } from "vitest";
import { inBackground } from "../../../services/catalog/db/index.ts";
import { prioritisedDialect } from "../../../services/catalog/db/prioritised-dialect.ts";

/*
 * A connection that cannot be had (PGlite closed while a stop still asks something) must fail
 * every query waiting for it, not only the first: the others would otherwise wait for ever.
 * The driver below stands in for PGlite's after close, which refuses every acquisition.
 */
const closedDriver: Driver = {
  init: async () => {},
  acquireConnection: async (): Promise<DatabaseConnection> => {
    throw new Error("PGLite not initialized");
  },
  beginTransaction: async () => {},
  commitTransaction: async () => {},
  rollbackTransaction: async () => {},
  releaseConnection: async () => {},
  destroy: async () => {},
};

describe("the prioritised dialect over a closed database", () => {
  it("rejects every waiting query, interactive and background, with the driver's error", async () => {
    const db = new Kysely<Record<string, never>>({
      dialect: prioritisedDialect({
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => closedDriver,
        createQueryCompiler: () => new PostgresQueryCompiler(),
        createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      }),
    });
    const outcomes = await Promise.allSettled([
      sql`select 1`.execute(db),
      sql`select 2`.execute(db),
      inBackground(() => sql`select 3`.execute(db)),
      sql`select 4`.execute(db),
    ]);
    expect(
      outcomes.map((outcome) =>
        outcome.status === "rejected" ? String(outcome.reason) : "answered",
      ),
    ).toEqual(Array.from({ length: 4 }, () => "Error: PGLite not initialized"));
  });
});
