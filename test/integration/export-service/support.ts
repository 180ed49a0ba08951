import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AckPolicy, type Consumer, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createSimulatedLibrary } from "../../../infra/simulator/create-library.ts";
import type { SimulatorLayout } from "../../../infra/simulator/layout.ts";
import { formatSimulatorConfig } from "../../../infra/simulator/sim-cli.ts";
import { upsertTape } from "../../../services/catalog/db/index.ts";
import { createCatalogService } from "../../../services/catalog/index.ts";
import { createExportService, type ExportServiceOptions } from "../../../services/export/index.ts";
import { createNotifierService } from "../../../services/notifier/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { type ExportEntry, parseExportfsVerbose } from "../../../shared/hardware/exportfs/index.ts";
import { createLtfsDrive, type LtfsDrive } from "../../../shared/hardware/ltfs/index.ts";
import type { CatalogJob } from "../../../shared/messages/catalog-requests.ts";
import { streamNames, subjects } from "../../../shared/messages/index.ts";
import { StepResult, stepResultSubject } from "../../../shared/messages/job-steps.ts";
import { type CatalogClient, createCatalogClient } from "../../../shared/nats/catalog-client.ts";
import { publishWork } from "../../../shared/nats/index.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import type { TestNatsServer } from "../../helpers/nats-server.ts";
import { type CapturedLog, captureLog, type TestMailServer } from "../notifier/support.ts";

/*
 * A simulated library (its exportfs keeps a real `exportfs -v` table in its state folder, its
 * fuser really ends processes), a real nats-server, the catalog on PGlite, the notifier with a
 * real SMTP server on loopback, and the export service. The test plays the scheduler and the
 * ltfs service: it mounts the tape, starts the job and publishes its `export` step.
 */

export const HOST_NAME = "tape-host.example.org";
export const EXPORT_TO = "192.168.0.0/16";
export const EXPORT_SETTINGS = "ro,fsid=7,no_subtree_check,all_squash";
export const BARCODES = ["EXP001L9", "EXP002L9"] as const;

/** Fast ticks so a 3-second export reports several times. */
export const EXPORT_TEST_OPTIONS: ExportServiceOptions = {
  hostName: HOST_NAME,
  tickMs: 200,
  progressIntervalMs: 100,
  ackWaitMs: 5_000,
};

export interface ExportHarness {
  readonly layout: SimulatorLayout;
  readonly config: PytarchiveConfig;
  readonly catalog: CatalogClient;
  readonly log: CapturedLog;
  /** The LTFS adapter of drive `n`, to mount its tape as the ltfs service would. */
  drive(element: number): LtfsDrive;
  mountPoint(element: number): string;
  /** `exportfs <args>` with the library's own exportfs. */
  exportfs(args: readonly string[]): Promise<string>;
  /** `exportfs -v`, parsed. */
  exports(): Promise<ExportEntry[]>;
  /** Queues an explore job and starts it on `drive`, as the scheduler does. */
  startExplore(args: Record<string, unknown>, drive: number): Promise<CatalogJob>;
  /** Publishes the job's `export` step as the scheduler would. */
  sendExport(job: CatalogJob): Promise<void>;
  /** The result of the job's `export` step. */
  resultOf(job: CatalogJob, timeoutMs?: number): Promise<StepResult>;
  progressTexts(job: CatalogJob): Promise<string[]>;
  /** Ends the job after its step's result, as the scheduler does once the tape is released. */
  end(job: CatalogJob, result: StepResult): Promise<void>;
  /** Starts another export service instance (same library and configuration). */
  startExportService(): Promise<RunningServices>;
  close(): Promise<void>;
}

export async function startExportHarness(
  server: TestNatsServer,
  mailServer: TestMailServer,
): Promise<ExportHarness> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "pyt-export-service-"));
  const layout = await createSimulatedLibrary({
    stateDir: path.join(root, "library"),
    drives: 2,
    slots: 4,
    importExportSlots: 0,
    barcodes: BARCODES,
    capacityMiB: 64,
    moveDelayMs: 0,
    loaded: [{ drive: 0, slot: 1 }],
  });
  const libraryId = `x${randomBytes(4).toString("hex")}`;
  const config = parseConfig(
    [
      formatSimulatorConfig(layout.stateDir),
      "[Export]",
      `to = ${EXPORT_TO}`,
      `settings = ${EXPORT_SETTINGS}`,
      "[SMTP]",
      "host = 127.0.0.1",
      `port = ${mailServer.port}`,
      "from = Tape archive <tapes@example.org>",
      "logging_conf =",
      "[Paths]",
      `state_dir = ${path.join(root, "state")}`,
      "[NATS]",
      `url = ${server.url}`,
      `library_id = ${libraryId}`,
      "",
    ].join("\n"),
    "export-service-test.conf",
    {},
  );
  const database: TestCatalogDatabase = await pgliteDatabaseFactory.open();
  for (const [index, barcode] of BARCODES.entries()) {
    await upsertTape(database.db, { libraryId, barcode, homeSlot: index + 1 });
  }
  const log = captureLog();
  const start = (services: Parameters<typeof runServices>[0]["services"]) =>
    runServices({ services, config, handleSignals: false, logStream: log.stream });
  const running = await start([
    createCatalogService({ database: database.db }),
    createNotifierService({ retryDelayMs: () => 300, sendTimeoutMs: 5_000 }),
    createExportService(EXPORT_TEST_OPTIONS),
  ]);
  const extra: RunningServices[] = [];
  const nc = running.nc;
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const work = streamNames(libraryId).work;
  await jsm.consumers.add(work, {
    durable_name: "test-step-results",
    filter_subject: stepResultSubject(libraryId),
    ack_policy: AckPolicy.Explicit,
  });
  const results: Consumer = await js.consumers.get(work, "test-step-results");
  const received: StepResult[] = [];
  const catalog = createCatalogClient(nc, libraryId);

  const mountPoint = (element: number) => {
    const drive = config.device.drives.find((candidate) => candidate.element === element);
    if (drive === undefined) throw new Error(`no drive ${element}`);
    return drive.mountPoint;
  };
  const exportfs = async (args: readonly string[]) =>
    expectExit(await runCommand(config.tools.exportfs, args)).stdout;

  return {
    layout,
    config,
    catalog,
    log,
    mountPoint,
    drive(element) {
      const drive = config.device.drives.find((candidate) => candidate.element === element);
      if (drive === undefined) throw new Error(`no drive ${element}`);
      return createLtfsDrive({
        tools: config.tools,
        device: drive.device,
        mountPoint: drive.mountPoint,
        mountTable: config.paths.mountTable,
      });
    },
    exportfs,
    exports: async () => parseExportfsVerbose(await exportfs(["-v"])),
    async startExplore(args, driveElement) {
      const { job: queued } = await catalog.call("job-create", { kind: "explore", args });
      const { job } = await catalog.call("job-start", {
        id: queued.id,
        worker: "test-scheduler",
        drive: driveElement,
      });
      if (job === null) throw new Error(`job ${queued.id} did not start`);
      return job;
    },
    async sendExport(job) {
      await publishWork(js, subjects(libraryId).work("export", "export"), {
        jobId: job.id,
        step: "export",
        attempt: job.attempts,
      });
    },
    async resultOf(job, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = received.findIndex(
          (result) => result.jobId === job.id && result.attempt === job.attempts,
        );
        if (index >= 0) return received.splice(index, 1)[0] as StepResult;
        if (Date.now() > deadline) {
          throw new Error(`no result of the export step of job ${job.id} within ${timeoutMs} ms`);
        }
        const message = await results.next({ expires: 1_000 });
        if (message === null) continue;
        received.push(StepResult.decode(message.data));
        message.ack();
      }
    },
    async progressTexts(job) {
      const { events } = await catalog.call("events-list", { jobId: job.id, limit: 1000 });
      return events
        .filter((event) => event.kind === "job.progress")
        .map((event) => String((event.payload as { text?: unknown }).text));
    },
    async end(job, result) {
      if (result.outcome === "done") {
        await catalog.call("job-finish", { id: job.id, attempt: job.attempts });
      } else if (result.outcome === "aborted") {
        await catalog.call("job-abort-ack", { id: job.id, attempt: job.attempts });
      } else {
        throw new Error(`the export step of job ${job.id} failed: ${result.error?.message}`);
      }
    },
    async startExportService() {
      const services = await start([createExportService(EXPORT_TEST_OPTIONS)]);
      extra.push(services);
      return services;
    },
    async close() {
      for (const services of extra) await services.stop();
      await running.stop();
      await database.close();
      for (const { device, mountPoint } of config.device.drives) {
        const drive = createLtfsDrive({
          tools: config.tools,
          device,
          mountPoint,
          mountTable: config.paths.mountTable,
        });
        if (await drive.isMounted()) await drive.unmount();
      }
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
