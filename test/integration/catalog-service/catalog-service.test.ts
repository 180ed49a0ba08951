import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalogService } from "../../../services/catalog/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import {
  CATALOG_REQUESTS,
  type CatalogOperation,
  type CatalogReply,
} from "../../../shared/messages/catalog-requests.ts";
import {
  JobAborted,
  JobQueued,
  type MessageDefinition,
  streamNames,
  subjects,
} from "../../../shared/messages/index.ts";
import { request } from "../../../shared/nats/index.ts";
import { catalogDatabaseFactories, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type CommandClient,
  connectCommandClient,
  makeScratch,
  quietLog,
  testConfig,
  uniqueLibraryId,
} from "../gateway/support.ts";

let server: TestNatsServer;
const scratch = makeScratch();

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.dispose();
  scratch.remove();
});

describe.each(catalogDatabaseFactories)("the catalog service over NATS on $dialect", (factory) => {
  let database: TestCatalogDatabase;
  let services: RunningServices;
  let client: CommandClient;
  const libraryId = uniqueLibraryId();
  const s = subjects(libraryId);

  beforeAll(async () => {
    database = await factory.open();
    services = await runServices({
      services: [createCatalogService({ database: database.db })],
      config: testConfig({ libraryId, natsUrl: server.url, stateDir: scratch.folder(libraryId) }),
      handleSignals: false,
      logStream: quietLog,
    });
    client = await connectCommandClient(server.url, libraryId);
  });

  afterAll(async () => {
    await client?.close();
    await services?.stop();
    await database?.close();
  });

  const ask = <O extends CatalogOperation>(op: O, payload: unknown) =>
    request<unknown, CatalogReply<O>>(client.nc, s.catalog(op), payload, {
      reply: CATALOG_REQUESTS[op].reply as unknown as MessageDefinition<CatalogReply<O>>,
      service: "catalog",
    });

  it("reports itself healthy once migrated and answering", async () => {
    expect(await services.health()).toEqual({ catalog: { ok: true } });
  });

  it("creates a job and announces job.created and job.queued on the events stream", async () => {
    const reply = (await ask("job-create", { kind: "explore", args: { tape: "X" } }).catch(
      (e) => e,
    )) as {
      code?: string;
    };
    expect(reply.code).toBe("UNKNOWN_TAPE");
    const { job } = await ask("job-create", {
      kind: "inventory",
      args: { folders: ["/srv"] },
      priority: 5,
    });
    const jsm = await jetstreamManager(client.nc);
    const queued = await jsm.streams.getMessage(streamNames(libraryId).events, {
      last_by_subj: s.event("job.queued"),
    });
    expect(JobQueued.decode(queued?.data ?? new Uint8Array())).toMatchObject({
      jobId: job.id,
      kind: "inventory",
      priority: 5,
      attempt: 1,
    });
    await ask("jobs-abort", { ids: [job.id] });
    const aborted = await jsm.streams.getMessage(streamNames(libraryId).events, {
      last_by_subj: s.event("job.aborted"),
    });
    expect(JobAborted.decode(aborted?.data ?? new Uint8Array()).jobId).toBe(job.id);
  });

  it("refuses a request that does not fit its schema, naming the field", async () => {
    const error = await ask("job-create", { kind: "dance", args: {} }).catch((e) => e);
    expect(error).toMatchObject({
      code: "MESSAGE_SCHEMA_INVALID",
      message: expect.stringContaining("kind"),
    });
    expect(
      await database.db
        .selectFrom("jobs")
        .select("id")
        .where("kind", "=", "dance" as never)
        .execute(),
    ).toEqual([]);
  });

  it("maps an unknown job id to UNKNOWN_JOB", async () => {
    const error = await ask("job-finish", { id: "abcdef12" }).catch((e) => e);
    expect(error).toMatchObject({
      code: "UNKNOWN_JOB",
      message: expect.stringContaining("abcdef12"),
    });
  });

  it("requeues id by id: an unknown id is reported beside the others, not refused", async () => {
    expect(await ask("jobs-requeue", { ids: ["abcdef12"] })).toEqual({
      requeued: [],
      skipped: [{ id: "abcdef12", code: "UNKNOWN_JOB", reason: "not found" }],
    });
  });
});
