/**
 * Runs pytarchive services in this process.
 *
 *   npx tsx services/runner/main.ts                  all services
 *   npx tsx services/runner/main.ts --only echo      only these (comma-separated)
 *   npx tsx services/runner/main.ts --config FILE    another configuration file
 *   npx tsx services/runner/main.ts --list           list the known services
 *
 * Stops every service cleanly on SIGINT or SIGTERM; exits 0 then, 1 on a start error.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../../shared/config/index.ts";
import { openConfiguredLogSink } from "./log-sink.ts";
import { SERVICE_REGISTRY } from "./registry.ts";
import { KNOWN_SERVICES, runMain, SERVICE_RUN_OPTIONS } from "./run-main.ts";
import { runServices } from "./run-services.ts";

const USAGE = `Usage: npx tsx services/runner/main.ts [--only NAME[,NAME...]] [--config FILE] [--list]

Runs pytarchive services in one process until SIGINT or SIGTERM.

  --only NAMES     run only these services (comma-separated); default all
  --config FILE    configuration file (default $PYTARCHIVE_CONFIG or /etc/pytarchive/pytarchive.conf)
  --list           print the known services and exit
  -h, --help       show this help

${KNOWN_SERVICES}`;

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { ...SERVICE_RUN_OPTIONS, list: { type: "boolean", default: false } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.list) {
    for (const service of SERVICE_REGISTRY) process.stdout.write(`${service.name}\n`);
    return 0;
  }
  const config = loadConfig(values.config === undefined ? {} : { path: values.config });
  const sink = await openConfiguredLogSink(config);
  try {
    const running = await runServices({
      services: SERVICE_REGISTRY,
      config,
      logLevel: config.logging.level,
      logStream: sink.stream,
      ...(values.only === undefined ? {} : { only: values.only.split(",") }),
    });
    // A service that did not stop cleanly (a tape left mounted) is no clean stop: exit 1.
    const report = await running.stopped;
    return report.failures.length > 0 ? 1 : 0;
  } finally {
    sink.close();
  }
}

runMain(() => main(process.argv.slice(2)), USAGE);
