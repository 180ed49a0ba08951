/**
 * Test entry: runs services in this process, each with a NATS connection of its own as its own
 * NATS user (runServicesAsUsers, as a launcher's service process does), against the configured
 * `[NATS] url`, with the credentials files of one folder (`<dir>/<user>.cred`). A host that
 * runs its share of a library on an external NATS server or cluster runs it this way, and the
 * server holds each service to its own library's subjects.
 *
 *   node --import tsx test/harness/services-as-users-main.ts --config FILE --only a,b --credentials-dir DIR
 *
 * Prints SERVICES_AS_USERS_READY once every service runs; stops them on SIGTERM or SIGINT and
 * exits 0, or 1 when one did not stop cleanly.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { runServicesAsUsers } from "../../services/launcher/run-services-as-users.ts";
import { openConfiguredLogSink } from "../../services/runner/log-sink.ts";
import { SERVICE_REGISTRY } from "../../services/runner/registry.ts";
import { runMain, SERVICE_RUN_OPTIONS } from "../../services/runner/run-main.ts";
import { loadConfig } from "../../shared/config/index.ts";
import { SERVICES_AS_USERS_READY } from "./services-as-users.ts";

const USAGE =
  "usage: node --import tsx test/harness/services-as-users-main.ts --config FILE --only NAMES --credentials-dir DIR";

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { ...SERVICE_RUN_OPTIONS, "credentials-dir": { type: "string" } },
    strict: true,
  });
  const folder = values["credentials-dir"];
  if (values.config === undefined || folder === undefined) throw new Error(USAGE);
  const config = loadConfig({ path: values.config });
  const sink = await openConfiguredLogSink(config);
  try {
    const services = await runServicesAsUsers({
      services: SERVICE_REGISTRY,
      config,
      credentialsFile: (user) => path.join(folder, `${user}.cred`),
      logLevel: config.logging.level,
      logStream: sink.stream,
      ...(values.only === undefined ? {} : { only: values.only.split(",") }),
    });
    process.stdout.write(`${SERVICES_AS_USERS_READY}\n`);
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    const report = await services.stop();
    return report.failures.length > 0 ? 1 : 0;
  } finally {
    sink.close();
  }
}

runMain(() => main(process.argv.slice(2)), USAGE);
