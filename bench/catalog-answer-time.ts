/**
 * How long the embedded catalog takes to answer `queue` while an archive's bulk file work runs,
 * in one process (no NATS, no other services): the files of a folder recorded as the read-back
 * sends them (2,000 a request, 4 requests at once), the folder marked archived (with its
 * statistics refreshed), then every page of its files listed as a verify or restore reads them.
 * A `queue` is due every 20 ms; its answer time counts from when it was due, so a statement that
 * holds the event loop counts in full. Run twice on one PGlite: through the catalog's own
 * dialect (interactive work first, prioritised-dialect.ts) and through the plain PGlite dialect
 * (first come, first served), for a before/after in one run:
 *
 *   node --import tsx bench/catalog-answer-time.ts [--files N]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { CamelCasePlugin, Kysely } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import {
  type CatalogSchema,
  migrateCatalog,
  openPGliteCatalogDatabase,
  upsertPreparedFolder,
  upsertTape,
} from "../services/catalog/db/index.ts";
import { createCatalogHandlers } from "../services/catalog/index.ts";
import { mapLimited } from "../shared/concurrency/index.ts";
import { type CatalogFile, MAX_FILES_PER_REQUEST } from "../shared/messages/index.ts";

const { values: options } = parseArgs({
  options: { files: { type: "string", default: "20000" } },
});
const FILE_COUNT = Number(options.files);
const TAPE = "BEN001L9";
const PROBE_EVERY_MS = 20;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

async function run(db: Kysely<CatalogSchema>, folderPath: string) {
  const handlers = createCatalogHandlers({
    libraryId: "default",
    db,
    tapeMaxSizeKiB: 100_000_000,
    publish: async () => {},
  });
  await upsertPreparedFolder(db, {
    path: folderPath,
    description: "bench",
    sizeKib: FILE_COUNT * 8,
    fileCount: FILE_COUNT,
    compressed: false,
    archivePath: null,
  });
  const { job } = await handlers["job-create"]({
    kind: "archive",
    args: { folder: folderPath, tape: TAPE, targetName: path.basename(folderPath) },
  });
  await handlers["job-start"]({ id: job.id, worker: "bench", drive: 256 });
  const report = { jobId: job.id, attempt: 1, path: folderPath, tape: TAPE };
  await handlers["folder-archiving"]({ ...report, targetName: path.basename(folderPath) });
  const files: CatalogFile[] = Array.from({ length: FILE_COUNT }, (_, index) => ({
    path: `d${Math.floor(index / 1000)}/file-${index}.dat`,
    sizeBytes: 4096,
    mtimeNs: "1732600000123456789",
    mode: 0o100644,
    sha256: index.toString(16).padStart(64, "0"),
    startBlock: 100 + index,
    partition: "b",
  }));

  const answers: number[] = [];
  let bulkDone = false;
  const probe = (async () => {
    let due = performance.now();
    while (!bulkDone) {
      due += PROBE_EVERY_MS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await handlers.queue({});
      answers.push(performance.now() - due);
      due = Math.max(due, performance.now());
    }
  })();
  const started = performance.now();
  const starts: number[] = [];
  for (let start = 0; start < files.length; start += MAX_FILES_PER_REQUEST) starts.push(start);
  await mapLimited(starts, 4, (start) =>
    handlers["files-record"]({
      ...report,
      files: files.slice(start, start + MAX_FILES_PER_REQUEST),
    }),
  );
  await handlers["folder-archived"]({
    ...report,
    fileCount: files.length,
    verifiedAt: new Date().toISOString(),
  });
  let page = await handlers["folder-files"]({ path: folderPath, limit: MAX_FILES_PER_REQUEST });
  while (page.next !== null) {
    page = await handlers["folder-files"]({
      path: folderPath,
      after: page.next,
      limit: MAX_FILES_PER_REQUEST,
    });
  }
  const bulkSeconds = (performance.now() - started) / 1000;
  bulkDone = true;
  await probe;
  return {
    bulkSeconds: Number(bulkSeconds.toFixed(2)),
    queueAnswers: answers.length,
    p50Ms: Number(percentile(answers, 50).toFixed(1)),
    p99Ms: Number(percentile(answers, 99).toFixed(1)),
    maxMs: Number(Math.max(...answers).toFixed(1)),
  };
}

const folder = mkdtempSync(path.join(tmpdir(), "pytarchive-catalog-bench-"));
const catalog = await openPGliteCatalogDatabase({ dataDir: path.join(folder, "catalog") });
try {
  await migrateCatalog(catalog.db, "default");
  await upsertTape(catalog.db, { libraryId: "default", barcode: TAPE, homeSlot: 1 });
  // The same PGlite through the plain dialect: its connection goes first come, first served.
  const plain = new Kysely<CatalogSchema>({
    dialect: new PGliteDialect(catalog.pglite),
    plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })],
  });
  const rows = [
    { dialect: "plain PGlite (first come, first served)", ...(await run(plain, "/srv/plain")) },
    { dialect: "catalog's (interactive first)", ...(await run(catalog.db, "/srv/prioritised")) },
    { dialect: "plain PGlite, again", ...(await run(plain, "/srv/plain-2")) },
    { dialect: "catalog's, again", ...(await run(catalog.db, "/srv/prioritised-2")) },
  ];
  console.table(rows);
  console.log(`${FILE_COUNT} files a folder; \`queue\` due every ${PROBE_EVERY_MS} ms`);
} finally {
  await catalog.close();
  rmSync(folder, { recursive: true, force: true });
}
