import { describe, expect, it } from "vitest";
import {
  buildHttpApp,
  createCommandExecutor,
  createGatewayHandlers,
  createGatewayMetrics,
} from "../../../services/gateway/index.ts";
import type { CatalogReply } from "../../../shared/messages/catalog-requests.ts";
import { JOB_DURATION_BUCKETS_SECONDS } from "../../../shared/messages/index.ts";
import { catalogJob, fakeCatalog } from "./fake-catalog.ts";

const queue: CatalogReply<"queue"> = {
  running: [],
  queued: [
    catalogJob({
      id: "3fa2b1c0",
      kind: "archive",
      args: { folder: "/srv/<b>&x", tape: "AAK788L9", targetName: "x" },
    }),
  ],
  failed: [
    catalogJob({
      id: "0badf00d",
      kind: "inventory",
      args: { folders: ["/srv/homes"] },
      state: "failed",
      error: "source folder <not> mounted",
      attempts: 1,
    }),
  ],
};

const tapes: CatalogReply<"tapes-list"> = {
  tapes: [
    {
      barcode: "AAK788L9",
      state: "formatted",
      cleaning: false,
      simulated: false,
      homeSlot: 4,
      usedKiB: 250,
      capacityKiB: 1000,
      lastSeenAt: null,
    },
  ],
};

function appWith(replies: Parameters<typeof fakeCatalog>[0], healthy = true) {
  const metrics = createGatewayMetrics();
  const handlers = createGatewayHandlers({
    catalog: fakeCatalog(replies),
    readLibrary: async () => null,
    sourceFolders: [],
  });
  const execute = createCommandExecutor(handlers, metrics);
  return buildHttpApp({
    execute,
    metrics,
    libraryId: "lib1",
    health: async () => (healthy ? { ok: true } : { ok: false, detail: "not answering commands" }),
  });
}

describe("the gateway's HTTP API", () => {
  it("answers /healthz with 200 when healthy and 503 when not", async () => {
    const ok = await appWith({}).inject({ method: "GET", url: "/healthz" });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: "ok" });
    const down = await appWith({}, false).inject({ method: "GET", url: "/healthz" });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: "unavailable", detail: "not answering commands" });
  });

  it("serves /api/queue as the queue verb's JSON, with the original's descriptions", async () => {
    const response = await appWith({ queue }).inject({ method: "GET", url: "/api/queue" });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.queued[0]).toMatchObject({
      id: "3fa2b1c0",
      description: "Archiving folder: /srv/<b>&x to tape AAK788L9",
      priority: 100,
    });
    expect(body.failed[0]).toMatchObject({ id: "0badf00d", error: "source folder <not> mounted" });
  });

  it("serves /api/tapes and /api/summary", async () => {
    const summary: CatalogReply<"summary"> = { tapeMaxSizeKiB: 1000, tapes: [], prepared: [] };
    const app = appWith({ "tapes-list": tapes, summary });
    const tapesResponse = await app.inject({ method: "GET", url: "/api/tapes" });
    expect(tapesResponse.json()).toEqual({
      tapes: [
        {
          barcode: "AAK788L9",
          location: "unknown",
          slot: null,
          drive: null,
          cleaning: false,
          simulated: false,
          state: "formatted",
          usedKiB: 250,
          capacityKiB: 1000,
        },
      ],
    });
    expect((await app.inject({ method: "GET", url: "/api/summary" })).json()).toEqual(summary);
  });

  it("answers 503 with the code and a hint when the catalog is not running", async () => {
    const response = await appWith({}).inject({ method: "GET", url: "/api/queue" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      code: "SERVICE_NOT_RUNNING",
      hint: "Start pytarchive with `npm start`.",
    });
  });

  it("counts commands per verb and outcome in /metrics, next to the default process metrics", async () => {
    const app = appWith({ queue });
    await app.inject({ method: "GET", url: "/api/queue" });
    await app.inject({ method: "GET", url: "/api/queue" });
    await app.inject({ method: "GET", url: "/api/tapes" });
    const response = await app.inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    expect(response.body).toContain(
      'pytarchive_gateway_requests_total{verb="queue",outcome="ok"} 2',
    );
    expect(response.body).toContain(
      'pytarchive_gateway_requests_total{verb="tapes",outcome="failed"} 1',
    );
    expect(response.body).toContain("process_cpu_user_seconds_total");
  });

  it("shows what the catalog counts in /metrics, in base units, every series from 0", async () => {
    const statistics: CatalogReply<"job-statistics"> = {
      states: [{ state: "queued", kind: "archive", jobs: 2 }],
      runs: [
        {
          kind: "archive",
          outcome: "done",
          count: 3,
          sumSeconds: 4000,
          buckets: JOB_DURATION_BUCKETS_SECONDS.map((bound) => (bound < 1800 ? 1 : 3)),
        },
      ],
      moved: [
        { drive: 1, kind: "archive", bytes: 5_000_000, files: 40 },
        { drive: 1, kind: "verify", bytes: 1_000_000, files: 8 },
      ],
      lastSuccess: [{ kind: "archive", at: "2026-12-01T10:00:00.000Z" }],
      running: [
        { id: "3fa2b1c0", kind: "restore", drive: 0, progressedAt: "2026-12-07T15:00:00.000Z" },
      ],
    };
    const metrics = createGatewayMetrics({
      catalog: fakeCatalog({ "job-statistics": statistics, "tapes-list": tapes }),
      drives: [0, 1],
      readDriveState: async (drive) => ({
        drive,
        barcode: drive === 0 ? "AAK788L9" : null,
        full: drive === 0,
        sourceSlot: null,
        mounted: null,
        ltfsPids: [],
        blocked:
          drive === 1
            ? {
                code: "MTX_MEDIUM_REMOVAL_PREVENTED",
                reason: "53/03 twice",
                barcode: null,
                moveId: null,
                jobId: null,
                at: "2026-12-07T15:00:00.000Z",
              }
            : null,
        updatedAt: "2026-12-07T15:00:00.000Z",
      }),
    });
    const body = await metrics.registry.metrics();
    const lines = body.split("\n");
    for (const line of [
      'pytarchive_jobs{state="queued",kind="archive"} 2',
      'pytarchive_jobs{state="failed",kind="inventory"} 0',
      'pytarchive_job_duration_seconds_bucket{kind="archive",outcome="done",le="900"} 1',
      'pytarchive_job_duration_seconds_bucket{kind="archive",outcome="done",le="3600"} 3',
      'pytarchive_job_duration_seconds_bucket{kind="archive",outcome="done",le="+Inf"} 3',
      'pytarchive_job_duration_seconds_sum{kind="archive",outcome="done"} 4000',
      'pytarchive_job_duration_seconds_count{kind="restore",outcome="failed"} 0',
      'pytarchive_drive_bytes_total{drive="1",operation="written"} 5000000',
      'pytarchive_drive_bytes_total{drive="1",operation="read_back"} 5000000',
      'pytarchive_drive_bytes_total{drive="1",operation="verified"} 1000000',
      'pytarchive_drive_bytes_total{drive="0",operation="restored"} 0',
      'pytarchive_drive_files_total{drive="1",operation="written"} 40',
      `pytarchive_last_success_timestamp_seconds{kind="archive"} ${Date.parse("2026-12-01T10:00:00.000Z") / 1000}`,
      'pytarchive_last_success_timestamp_seconds{kind="verify"} 0',
      `pytarchive_job_last_progress_timestamp_seconds{job_id="3fa2b1c0",kind="restore"} ${Date.parse("2026-12-07T15:00:00.000Z") / 1000}`,
      'pytarchive_drive_state{drive="0",state="busy"} 1',
      'pytarchive_drive_state{drive="0",state="idle"} 0',
      'pytarchive_drive_state{drive="1",state="blocked"} 1',
      'pytarchive_drive_loaded{drive="0"} 1',
      'pytarchive_drive_job_info{drive="0",job_id="3fa2b1c0",kind="restore"} 1',
      'pytarchive_tape_used_bytes{barcode="AAK788L9"} 256000',
      'pytarchive_tape_capacity_bytes{barcode="AAK788L9"} 1024000',
      "pytarchive_catalog_up 1",
      'pytarchive_gateway_requests_total{verb="summary",outcome="refused"} 0',
    ]) {
      expect(lines).toContain(line);
    }
    expect(body).not.toMatch(/_kib/);
    // Prometheus sets `job` and `instance` on every scraped series; ours would be renamed exported_*.
    expect(body).not.toMatch(/[{,](job|instance)="/);
  });

  it("says the catalog is down in /metrics instead of showing stale numbers", async () => {
    const metrics = createGatewayMetrics({
      catalog: fakeCatalog({}),
      drives: [0],
      readDriveState: async () => null,
    });
    const body = await metrics.registry.metrics();
    expect(body).toContain("pytarchive_catalog_up 0");
    expect(body).not.toContain("pytarchive_jobs{");
    expect(body).not.toContain("pytarchive_tape_used_bytes{");
    expect(body).not.toContain("pytarchive_drive_state{");
  });

  it("renders / as an HTML status page with folder names and errors escaped", async () => {
    const response = await appWith({ queue, "tapes-list": tapes }).inject({
      method: "GET",
      url: "/",
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.body).toContain("Archiving folder: /srv/&lt;b&gt;&amp;x to tape AAK788L9");
    expect(response.body).not.toContain("<b>&x");
    expect(response.body).toContain("source folder &lt;not&gt; mounted");
    expect(response.body).toContain("<code>AAK788L9</code>");
    expect(response.body).toContain("250 KiB of 1000 KiB (25.0%)");
    expect(response.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(response.headers["content-security-policy"]).toContain("script-src 'self'");
  });

  it("serves the status page's one script itself, which listens to the gateway's events", async () => {
    const response = await appWith({}).inject({ method: "GET", url: "/status-page.js" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(response.body).toContain('new EventSource("/api/status/events")');
  });

  it("shows on / what could not be read, with status 503", async () => {
    const response = await appWith({ "tapes-list": tapes }).inject({ method: "GET", url: "/" });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain("queue: Nothing answers pyt.test.catalog.queue");
    expect(response.body).toContain("<code>AAK788L9</code>");
  });
});
