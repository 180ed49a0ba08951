import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "../harness/stack.ts";

/*
 * The PromQL that operators' tools run against pytarchive: the alert rules of
 * infra/prometheus/alerts.yml and the queries of every dashboard in infra/grafana/dashboards/.
 */

export const PROMETHEUS_DIR = path.join(REPO_ROOT, "infra/prometheus");
export const GRAFANA_DIR = path.join(REPO_ROOT, "infra/grafana");

/** One PromQL expression and where it is used. */
export interface UsedExpression {
  readonly where: string;
  readonly expr: string;
}

interface RulesFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}

export function alertExpressions(): UsedExpression[] {
  const rules = parseYaml(
    readFileSync(path.join(PROMETHEUS_DIR, "alerts.yml"), "utf8"),
  ) as RulesFile;
  return rules.groups.flatMap((group) =>
    group.rules.map((rule) => ({ where: `alert ${rule.alert ?? rule.record}`, expr: rule.expr })),
  );
}

interface DashboardPanel {
  title: string;
  targets?: { expr?: string }[];
  panels?: DashboardPanel[];
}

export function dashboardFiles(): string[] {
  const folder = path.join(GRAFANA_DIR, "dashboards");
  return readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .map((name) => path.join(folder, name));
}

export function dashboardExpressions(): UsedExpression[] {
  return dashboardFiles().flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(file, "utf8")) as { panels: DashboardPanel[] };
    const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    return panels.flatMap((panel) =>
      (panel.targets ?? []).flatMap((target) =>
        target.expr === undefined
          ? []
          : [{ where: `${path.basename(file)}: ${panel.title}`, expr: target.expr }],
      ),
    );
  });
}

/**
 * The metric names an expression selects, from its PromQL syntax tree (lezer-promql, the grammar
 * of Prometheus's own editor). Throws on an expression that does not parse.
 *
 * @example
 * metricNamesIn('sum(rate(pytarchive_drive_bytes_total[1h])) / on() up'); // ["pytarchive_drive_bytes_total", "up"]
 */
export function metricNamesIn(expr: string): string[] {
  const names: string[] = [];
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") {
        names.push(expr.slice(node.from, node.to));
      }
    },
  });
  if (errors.length > 0) {
    throw new Error(`PromQL does not parse at offset ${errors[0]}: ${expr}`);
  }
  return names;
}

/**
 * The metric names a Prometheus text exposition declares (`# TYPE`, with a histogram's `_bucket`,
 * `_sum` and `_count`) or has samples of. A family may be declared without samples right now:
 * the running jobs' or the failed moves' appear once there are any.
 */
export function exposedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split("\n")) {
    const declared = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (declared !== null) {
      const [, name, type] = declared as unknown as [string, string, string];
      names.add(name);
      if (type === "histogram" || type === "summary") {
        for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
      }
      continue;
    }
    const sampled = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line)?.[1];
    if (sampled !== undefined) names.add(sampled);
  }
  return names;
}
