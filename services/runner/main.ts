/**
 * Runs pytarchive services in this process.
 *
 *   npx tsx services/runner/main.ts                  all services
 *   npx tsx services/runner/main.ts --only echo      only these (comma-separated)
 *   npx tsx services/runner/main.ts --config FILE    another configuration file
 *   npx tsx services/runner/main.ts --credentials-dir DIR   each service as its own NATS user
 *   npx tsx services/runner/main.ts --list           list the known services
 *
 * Stops every service cleanly on SIGINT or SIGTERM; exits 0 then, 1 on a start error.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, type PytarchiveConfig } from "../../shared/config/index.ts";
import { createLogger, type LogSink } from "../../shared/logging/index.ts";
import { runServicesAsUsers } from "../launcher/run-services-as-users.ts";
import { openConfiguredLogSink } from "./log-sink.ts";
import { SERVICE_REGISTRY } from "./registry.ts";
import { KNOWN_SERVICES, runMain, SERVICE_RUN_OPTIONS } from "./run-main.ts";
import { runServices } from "./run-services.ts";

const USAGE = `Usage: npx tsx services/runner/main.ts [--only NAME[,NAME...]] [--config FILE] [--credentials-dir DIR] [--list]

Runs pytarchive services in one process until SIGINT or SIGTERM.

  --only NAMES     run only these services (comma-separated); default all
  --config FILE    configuration file (default $PYTARCHIVE_CONFIG or /etc/pytarchive/pytarchive.conf)
  --credentials-dir DIR
                   run each service with a NATS connection of its own as its own NATS user,
                   with DIR/USER.cred (as infra/scripts/nats-cluster writes them, one folder a
                   library), instead of one connection with [NATS] credentials_file
  --list           print the known services and exit
  -h, --help       show this help

${KNOWN_SERVICES}`;

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...SERVICE_RUN_OPTIONS,
      list: { type: "boolean", default: false },
      "credentials-dir": { type: "string" },
    },
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
  const only = values.only?.split(",");
  const credentialsDir = values["credentials-dir"];
  if (credentialsDir !== undefined) return await runAsUsers(config, sink, credentialsDir, only);
  try {
    const running = await runServices({
      services: SERVICE_REGISTRY,
      config,
      logLevel: config.logging.level,
      logStream: sink.stream,
      ...(only === undefined ? {} : { only }),
    });
    // A service that did not stop cleanly (a tape left mounted) is no clean stop: exit 1.
    const report = await running.stopped;
    return report.failures.length > 0 ? 1 : 0;
  } finally {
    sink.close();
  }
}

/**
 * `--credentials-dir`: every service with its own connection as its own NATS user, as the
 * launcher's service processes run them, so that a host of one library on a NATS server shared
 * by several runs each service with its own (and its library's) permissions.
 */
async function runAsUsers(
  config: PytarchiveConfig,
  sink: LogSink,
  folder: string,
  only: readonly string[] | undefined,
): Promise<number> {
  const log = createLogger({ service: "runner", level: config.logging.level, stream: sink.stream });
  try {
    const services = await runServicesAsUsers({
      services: SERVICE_REGISTRY,
      config,
      credentialsFile: (user) => path.join(path.resolve(folder), `${user}.cred`),
      logLevel: config.logging.level,
      logStream: sink.stream,
      ...(only === undefined ? {} : { only }),
    });
    log.info("services running as their own NATS users", {
      services: services.started,
      libraryId: config.nats.libraryId,
    });
    await new Promise<void>((resolve) => {
      let signalled = false;
      const onSignal = (signal: NodeJS.Signals) => {
        // One Ctrl-C may arrive twice; the stop must finish (the ltfs service unmounts).
        if (signalled) log.info("already stopping; signal ignored", { signal });
        signalled = true;
        resolve();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
    });
    const report = await services.stop();
    return report.failures.length > 0 ? 1 : 0;
  } finally {
    sink.close();
  }
}

runMain(() => main(process.argv.slice(2)), USAGE);
