import {
  CompiledQuery,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from "kysely";

/** One statement a query builder sent: its SQL and parameters, as the server received them. */
export interface LoggedQuery {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/**
 * The same database with every statement its query builders send written down in `queries`, so a
 * test can assert what was asked (e.g. no OFFSET, one count per listing), not how long it took.
 *
 * @example
 * const log = logQueries(catalog.db);
 * await listFolderFiles(log.db, { path: "/srv/a" });
 * expect(log.queries.some((query) => /offset/i.test(query.sql))).toBe(false);
 */
export function logQueries<DB>(db: Kysely<DB>): { db: Kysely<DB>; queries: LoggedQuery[] } {
  const queries: LoggedQuery[] = [];
  const executor = db.getExecutor();
  const plugin: KyselyPlugin = {
    transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
      const compiled = executor.compileQuery(node, queryId);
      queries.push({ sql: compiled.sql, parameters: compiled.parameters });
      return node;
    },
    async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return result;
    },
  };
  return { db: db.withPlugin(plugin), queries };
}

/** PostgreSQL's plan (EXPLAIN, text) of the last statement `run` sends. */
export async function explain<DB>(db: Kysely<DB>, run: (db: Kysely<DB>) => Promise<unknown>) {
  const log = logQueries(db);
  await run(log.db);
  const last = log.queries.at(-1);
  if (last === undefined) throw new Error("no statement was sent");
  const result = await db.executeQuery<{ "QUERY PLAN": string }>(
    CompiledQuery.raw(`explain ${last.sql}`, [...last.parameters]),
  );
  return result.rows.map((row) => row["QUERY PLAN"]).join("\n");
}
