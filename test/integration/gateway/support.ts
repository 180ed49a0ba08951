import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { type Kysely, sql } from "kysely";
import {
  type CatalogSchema,
  claimNextJob,
  markJobFailed,
  setFolderState,
  upsertPreparedFolder,
  upsertTape,
} from "../../../services/catalog/db/index.ts";
import { createCatalogService } from "../../../services/catalog/index.ts";
import { createGatewayService } from "../../../services/gateway/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import {
  COMMANDS,
  type CommandReply,
  type CommandVerb,
} from "../../../shared/messages/commands.ts";
import { type MessageDefinition, subjects } from "../../../shared/messages/index.ts";
import { request, type ServiceDefinition } from "../../../shared/nats/index.ts";

/** A library id no other test uses, so tests sharing a NATS server never see each other. */
export function uniqueLibraryId(): string {
  return `g${randomBytes(4).toString("hex")}`;
}

/** Swallows the services' log lines (they are JSON on stderr otherwise). */
export const quietLog = { write: () => true };

/** A scratch folder tree for one test file; `remove()` deletes it. */
export function makeScratch(): {
  root: string;
  folder(...parts: string[]): string;
  file(...parts: string[]): string;
  remove(): void;
} {
  const root = mkdtempSync(join(tmpdir(), "pyt-gateway-"));
  return {
    root,
    folder: (...parts) => {
      const path = join(root, ...parts);
      mkdirSync(path, { recursive: true });
      return path;
    },
    file: (...parts) => {
      const path = join(root, ...parts);
      mkdirSync(join(path, ".."), { recursive: true });
      writeFileSync(path, "data\n");
      return path;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A configuration for tests: 1000 KiB tapes, the given source folders and NATS server. */
export function testConfig(options: {
  libraryId: string;
  natsUrl: string;
  stateDir: string;
  sourceFolders?: readonly string[];
  tapeMaxSizeKiB?: number;
}): PytarchiveConfig {
  const lines = [
    "[General]",
    `tape_max_size = ${options.tapeMaxSizeKiB ?? 1000}`,
    ...(options.sourceFolders?.length
      ? [`source_folders = ${options.sourceFolders.join(", ")}`]
      : []),
    "[Paths]",
    `state_dir = ${options.stateDir}`,
    "[NATS]",
    `url = ${options.natsUrl}`,
    `library_id = ${options.libraryId}`,
  ];
  return parseConfig(`${lines.join("\n")}\n`, "test.conf", {});
}

/** Catalog (on `db`, or its own database from the config) and gateway (no HTTP), in one runner. */
export function startGatewayAndCatalog(
  config: PytarchiveConfig,
  db?: Kysely<CatalogSchema>,
  extra: readonly ServiceDefinition[] = [],
): Promise<RunningServices> {
  return runServices({
    services: [
      createCatalogService(db === undefined ? {} : { database: db }),
      ...extra,
      createGatewayService({ httpPort: null, pathTimeoutMs: 1_000 }),
    ],
    config,
    handleSignals: false,
    logStream: quietLog,
  });
}

/** A CLI-like client: sends a command and returns the decoded reply, or throws the ServiceError. */
export interface CommandClient {
  readonly nc: NatsConnection;
  send<V extends CommandVerb>(
    verb: V,
    payload: unknown,
    options?: { timeoutMs?: number },
  ): Promise<CommandReply<V>>;
  /** Sends a command that must be refused; returns the error (fails if it was accepted). */
  refused(verb: CommandVerb, payload: unknown): Promise<PytarchiveError>;
  close(): Promise<void>;
}

export async function connectCommandClient(url: string, libraryId: string): Promise<CommandClient> {
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  const s = subjects(libraryId);
  const send = <V extends CommandVerb>(
    verb: V,
    payload: unknown,
    options: { timeoutMs?: number } = {},
  ) =>
    request(nc, s.command(verb), payload, {
      reply: COMMANDS[verb].reply as MessageDefinition<CommandReply<V>>,
      timeoutMs: options.timeoutMs ?? 15_000,
      service: "gateway",
    }) as Promise<CommandReply<V>>;
  return {
    nc,
    send,
    async refused(verb, payload) {
      try {
        const reply = await send(verb, payload);
        throw new Error(`expected ${verb} to be refused, but it answered ${JSON.stringify(reply)}`);
      } catch (error) {
        if (error instanceof PytarchiveError) return error;
        throw error;
      }
    },
    close: () => nc.drain(),
  };
}

/** Rows per catalog table plus every job's and folder's state: what "nothing changed" is checked against. */
export async function catalogSnapshot(db: Kysely<CatalogSchema>): Promise<{
  counts: Record<string, number>;
  jobs: string[];
  folders: string[];
}> {
  const counts: Record<string, number> = {};
  for (const table of ["jobs", "folders", "tapes", "events", "files"] as const) {
    const result = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
    counts[table] = Number(result.rows[0]?.n ?? -1);
  }
  const jobs = await db
    .selectFrom("jobs")
    .select(["id", "state", "abortRequested"])
    .orderBy("id")
    .execute();
  const folders = await db
    .selectFrom("folders")
    .select(["path", "state"])
    .orderBy("path")
    .execute();
  return {
    counts,
    jobs: jobs.map(
      (job) => `${job.id} ${job.state}${job.abortRequested ? " (abort requested)" : ""}`,
    ),
    folders: folders.map((folder) => `${folder.path} ${folder.state}`),
  };
}

/** Two data tapes and a cleaning tape, in slots 1-3 of library `libraryId`. */
export async function seedTapes(db: Kysely<CatalogSchema>, libraryId = "default"): Promise<void> {
  await upsertTape(db, { libraryId, barcode: "AAA001L9", homeSlot: 1 });
  await upsertTape(db, { libraryId, barcode: "AAA002L9", homeSlot: 2 });
  await upsertTape(db, { libraryId, barcode: "CLN001L1", homeSlot: 3, cleaning: true });
}

/** A folder the catalog knows as prepared (measured), as a finished prepare job leaves it. */
export function seedPrepared(
  db: Kysely<CatalogSchema>,
  path: string,
  sizeKib: number,
  description = "a project",
) {
  return upsertPreparedFolder(db, {
    path,
    description,
    sizeKib,
    fileCount: 3,
    compressed: false,
    archivePath: null,
  });
}

/** A folder archived (and verified) on `tape` under `name`. */
export async function seedArchived(
  db: Kysely<CatalogSchema>,
  path: string,
  options: { tape: string; name: string; sizeKib: number; description?: string },
) {
  const folder = await seedPrepared(db, path, options.sizeKib, options.description);
  await setFolderState(db, folder.id, { state: "archiving", targetName: options.name });
  return setFolderState(db, folder.id, { state: "archived", tapeBarcode: options.tape });
}

/** Runs the next queued job and lets it fail, as a worker would. */
export async function failNextJob(db: Kysely<CatalogSchema>, error: string): Promise<string> {
  const job = await claimNextJob(db);
  if (job === null) throw new Error("no queued job to fail");
  await markJobFailed(db, job.id, error);
  return job.id;
}
