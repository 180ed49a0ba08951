import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { runCommand } from "../../../shared/exec/index.ts";
import {
  alertExpressions,
  dashboardExpressions,
  dashboardFiles,
  GRAFANA_DIR,
  metricNamesIn,
  PROMETHEUS_DIR,
} from "../../helpers/observability-files.ts";

/*
 * The Prometheus and Grafana files of infra/, checked by Prometheus's own promtool (Debian's
 * `prometheus` package). That every metric they use exists is test/e2e/metrics.test.ts's job.
 */

async function promtool(args: readonly string[], cwd = PROMETHEUS_DIR) {
  const result = await runCommand("promtool", args, { cwd, timeoutMs: 60_000 });
  return { ...result, output: `${result.stdout}${result.stderr}` };
}

describe("infra/prometheus", () => {
  it("has a valid configuration that loads the alert rules and scrapes the gateway", async () => {
    const result = await promtool(["check", "config", "prometheus.yml"]);
    expect(result.output).toContain("SUCCESS: 1 rule files found");
    expect(result.exitCode).toBe(0);
    const config = parseYaml(await readFile(path.join(PROMETHEUS_DIR, "prometheus.yml"), "utf8"));
    expect(config.scrape_configs[0].static_configs[0].targets).toEqual(["gateway:8631"]);
  });

  it("has alert rules promtool accepts, each with a summary and the command to run", async () => {
    const result = await promtool(["check", "rules", "alerts.yml"]);
    expect(result.exitCode, result.output).toBe(0);
    const rules = parseYaml(await readFile(path.join(PROMETHEUS_DIR, "alerts.yml"), "utf8"))
      .groups[0].rules as { alert: string; annotations: Record<string, string> }[];
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        "PytarchiveJobFailed",
        "PytarchiveJobStalled",
        "PytarchiveDriveBlocked",
        "PytarchiveTapeNearlyFull",
        "PytarchiveNoRecentArchive",
        "PytarchiveDeadLetters",
        "PytarchiveCatalogDown",
      ]),
    );
    for (const rule of rules) {
      expect(rule.annotations.summary, rule.alert).toMatch(/\S/);
      expect(rule.annotations.command, rule.alert).toMatch(/^(pytarchive|systemctl) /);
    }
  });

  it("passes the alert unit tests of alerts.test.yml and alerts-days.test.yml", async () => {
    const result = await promtool(["test", "rules", "alerts.test.yml", "alerts-days.test.yml"]);
    expect(result.output).toContain("SUCCESS");
    expect(result.exitCode, result.output).toBe(0);
  });
});

describe("infra/grafana", () => {
  it("provisions the data source the dashboards use, and a provider for their folder", async () => {
    const sources = parseYaml(
      await readFile(path.join(GRAFANA_DIR, "provisioning/datasources/prometheus.yml"), "utf8"),
    ).datasources as { uid: string; type: string; url: string }[];
    expect(sources).toEqual([
      expect.objectContaining({ uid: "pytarchive-prometheus", type: "prometheus" }),
    ]);
    const providers = parseYaml(
      await readFile(path.join(GRAFANA_DIR, "provisioning/dashboards/pytarchive.yml"), "utf8"),
    ).providers as { type: string; options: { path: string } }[];
    expect(providers[0]?.type).toBe("file");
    for (const file of dashboardFiles()) {
      const text = await readFile(file, "utf8");
      const uids = new Set([...text.matchAll(/"uid": "([^"]+)"/g)].map((match) => match[1]));
      uids.delete(JSON.parse(text).uid);
      expect([...uids]).toEqual(["pytarchive-prometheus"]);
    }
  });

  it("has dashboards with queue, throughput, drives, tapes, failures and JetStream panels", () => {
    const used = dashboardExpressions();
    const names = new Set(used.flatMap((entry) => metricNamesIn(entry.expr)));
    for (const name of [
      "pytarchive_jobs",
      "pytarchive_drive_bytes_total",
      "pytarchive_drive_state",
      "pytarchive_tape_used_bytes",
      "pytarchive_job_duration_seconds_count",
      "pytarchive_jetstream_consumer_pending_messages",
    ]) {
      expect(names).toContain(name);
    }
  });

  it("has only PromQL that Prometheus parses, in dashboards and alerts", async () => {
    const used = [...dashboardExpressions(), ...alertExpressions()];
    for (const entry of used) expect(() => metricNamesIn(entry.expr), entry.where).not.toThrow();
    // Prometheus's own parser: every expression as a recording rule, checked by promtool.
    const folder = await mkdtemp(path.join(tmpdir(), "pyt-promql-"));
    try {
      const rules = used.map((entry, index) => ({
        record: `pytarchive:check_${index}`,
        expr: entry.expr,
      }));
      await writeFile(
        path.join(folder, "rules.yml"),
        JSON.stringify({ groups: [{ name: "check", rules }] }),
      );
      const result = await promtool(["check", "rules", "rules.yml"], folder);
      expect(result.output).toContain(`SUCCESS: ${used.length} rules found`);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("finds a query that does not parse", () => {
    expect(() => metricNamesIn("sum(rate(pytarchive_jobs[1h])")).toThrow(/does not parse/);
  });
});
