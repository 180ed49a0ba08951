import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalogService } from "../../../services/catalog/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import {
  CATALOG_REQUESTS,
  type CatalogFile,
  type CatalogOperation,
  type CatalogReply,
  FolderArchived,
  FolderArchiving,
  FolderVerified,
  FolderVerifyFailed,
} from "../../../shared/messages/catalog-requests.ts";
import {
  JobProgress,
  JobStarted,
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
  seedPrepared,
  seedTapes,
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

const TAPE = "AAA001L9";
const VERIFIED_AT = "2026-11-26T10:00:00.000Z";

/** `count` files, scrambled: block numbers descending, every third one empty (no block). */
function files(count: number): CatalogFile[] {
  return Array.from({ length: count }, (_, index) => ({
    path: `dir/f${String(index).padStart(4, "0")}`,
    sizeBytes: index % 3 === 0 ? 0 : 100,
    mtimeNs: (1_732_600_000_000_000_000n + BigInt(index)).toString(),
    mode: 0o100644,
    sha256: index.toString(16).padStart(64, "0"),
    startBlock: index % 3 === 0 ? null : 10_000 - index,
    partition: index % 3 === 0 ? null : "b",
  }));
}

describe.each(catalogDatabaseFactories)("tape job operations over NATS on $dialect", (factory) => {
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

  /** The last event published on `kind`'s subject, decoded with its schema. */
  async function lastEvent<T>(kind: string, message: MessageDefinition<T>): Promise<T> {
    const jsm = await jetstreamManager(client.nc);
    const stored = await jsm.streams.getMessage(streamNames(libraryId).events, {
      last_by_subj: s.event(kind),
    });
    return message.decode(stored?.data ?? new Uint8Array());
  }

  it("archives a folder: job-start, folder-archiving, files-record, folder-archived, folder-files, tape-update, tape-contents", async () => {
    await seedTapes(database.db, libraryId);
    await seedPrepared(database.db, "/srv/alpha", 40, "alpha");
    const { job } = await ask("job-create", {
      kind: "archive",
      args: { folder: "/srv/alpha", tape: TAPE, targetName: "alpha" },
    });
    const started = await ask("job-start", { id: job.id, worker: "scheduler@test", drive: 256 });
    expect(started.job).toMatchObject({ state: "running", drive: 256, pendingError: null });
    expect(await lastEvent("job.started", JobStarted)).toMatchObject({ jobId: job.id, attempt: 1 });

    const formatted = await ask("tape-update", {
      barcode: TAPE,
      jobId: job.id,
      state: "formatted",
      volumeSerial: "AAA001",
      capacityKiB: 900,
    });
    expect(formatted.tape).toMatchObject({ state: "formatted", capacityKiB: 900 });

    const report = { jobId: job.id, attempt: 1, path: "/srv/alpha", tape: TAPE };
    await ask("folder-archiving", { ...report, targetName: "alpha" });
    expect(await lastEvent("folder.archiving", FolderArchiving)).toMatchObject({
      jobId: job.id,
      targetName: "alpha",
    });

    const all = files(2500);
    const batches = [all.slice(0, 2000), all.slice(2000)];
    expect(await ask("files-record", { ...report, files: batches[0] })).toEqual({
      recorded: 2000,
    });
    const incomplete = await ask("folder-archived", {
      ...report,
      fileCount: 2500,
      verifiedAt: VERIFIED_AT,
    }).catch((error: unknown) => error);
    expect(incomplete).toMatchObject({
      code: "FILES_INCOMPLETE",
      message: `/srv/alpha was not marked archived: the catalog has 2000 of its files recorded, and job ${job.id} wrote 2500. Nothing was changed.`,
    });
    // The second batch twice (a retried request): recorded once.
    await ask("files-record", { ...report, files: batches[1] });
    await ask("files-record", { ...report, files: batches[1] });
    const { folder } = await ask("folder-archived", {
      ...report,
      fileCount: 2500,
      verifiedAt: VERIFIED_AT,
    });
    expect(folder).toMatchObject({ state: "archived", tapeBarcode: TAPE, verifiedAt: VERIFIED_AT });
    expect(await lastEvent("folder.archived", FolderArchived)).toMatchObject({
      jobId: job.id,
      fileCount: 2500,
      verifiedAt: VERIFIED_AT,
    });

    const first = await ask("folder-files", { path: "/srv/alpha" });
    expect(first.total).toBe(2500);
    expect(first.files).toHaveLength(2000);
    expect(first.next).not.toBeNull();
    const second = await ask("folder-files", {
      path: "/srv/alpha",
      after: first.next ?? undefined,
    });
    expect(second).toMatchObject({ next: null });
    expect(second.total).toBeUndefined();
    const pages: CatalogFile[] = [...first.files, ...second.files];
    const inTapeOrder = [...all].sort(
      (a, b) =>
        (a.startBlock ?? Number.MAX_SAFE_INTEGER) - (b.startBlock ?? Number.MAX_SAFE_INTEGER) ||
        (a.path < b.path ? -1 : 1),
    );
    expect(pages).toEqual(inTapeOrder);

    const contents = await ask("tape-contents", { barcode: TAPE });
    expect(contents.tape).toMatchObject({ barcode: TAPE, state: "formatted", usedKiB: 40 });
    expect(contents.folders.map((f) => [f.path, f.targetName])).toEqual([["/srv/alpha", "alpha"]]);
    const blank = await ask("tape-update", { barcode: TAPE, state: "blank" }).catch(
      (error: unknown) => error,
    );
    expect(blank).toMatchObject({ code: "TAPE_STATE_CONFLICT" });
  });

  it("records a failing job's pending error and a folder's failed fixity check, announcing both", async () => {
    const { job: verify } = await ask("job-create", {
      kind: "verify",
      args: { target: "/srv/alpha" },
    });
    await ask("job-start", { id: verify.id, worker: "scheduler@test", drive: 257 });
    const problems = ["dir/f0001: checksum differs"];
    const { folder } = await ask("folder-verified", {
      jobId: verify.id,
      path: "/srv/alpha",
      ok: false,
      at: "2026-12-01T00:00:00.000Z",
      problems,
    });
    expect(folder.verifiedAt).toBeNull();
    expect(await lastEvent("folder.verify-failed", FolderVerifyFailed)).toMatchObject({
      jobId: verify.id,
      tape: TAPE,
      problems,
    });
    await ask("folder-verified", {
      jobId: verify.id,
      path: "/srv/alpha",
      ok: true,
      at: "2026-12-02T00:00:00.000Z",
    });
    expect(await lastEvent("folder.verified", FolderVerified)).toMatchObject({
      jobId: verify.id,
      at: "2026-12-02T00:00:00.000Z",
    });

    const error = { code: "TAPE_READ_FAILED", message: "Medium error while reading" };
    const failing = await ask("job-failing", { id: verify.id, attempt: 1, step: "read", error });
    expect(failing.job).toMatchObject({ state: "running", pendingError: error, drive: 257 });
    expect(await lastEvent("job.progress", JobProgress)).toMatchObject({
      jobId: verify.id,
      step: "read",
    });
    const late = await ask("job-failing", { id: verify.id, attempt: 2, step: "read", error }).catch(
      (caught: unknown) => caught,
    );
    expect(late).toMatchObject({ code: "JOB_STATE_CONFLICT" });
  });
});
