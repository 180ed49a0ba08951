import { appendFileSync, existsSync } from "node:fs";
import path from "node:path";
import { echoService } from "../../../services/runner/echo-service.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import type { ServiceDefinition } from "../../../shared/nats/index.ts";

/*
 * Services for the launcher's supervision tests, imported by its service processes in place of
 * the runner's registry. They carry real services' names (so each connects as that NATS user to
 * the launcher's nats-server) and do what files in $PYT_SCRIPTED_DIR say: each start and stop is
 * appended to `events` with the process id, `fail-start-<name>` makes the start throw,
 * `crash-start-<name>` ends the process in the middle of the start, `fail-stop-<name>` makes the
 * stop throw, as the ltfs service's does when a tape stays mounted, and `hang-stop-<name>` blocks
 * the whole process in the stop.
 */

/** Environment variable naming the folder of `events` and the `fail-*` files. */
export const SCRIPTED_DIR_ENV = "PYT_SCRIPTED_DIR";

function scripted(name: string): ServiceDefinition {
  const folder = (): string => process.env[SCRIPTED_DIR_ENV] ?? "/nonexistent";
  const note = (what: string): void =>
    appendFileSync(path.join(folder(), "events"), `${what} ${name} ${process.pid}\n`);
  return {
    name,
    async start() {
      if (existsSync(path.join(folder(), `crash-start-${name}`))) process.exit(3);
      if (existsSync(path.join(folder(), `fail-start-${name}`))) {
        throw new PytarchiveError("CONFIG_INVALID", `${name} was told to fail its start.`, {
          hint: `Remove fail-start-${name}.`,
        });
      }
      note("start");
      return {
        health: async () => ({ ok: true, detail: `${name} in ${process.pid}` }),
        async stop() {
          note("stop");
          if (existsSync(path.join(folder(), `hang-stop-${name}`))) {
            // Blocks the event loop: the process answers nothing any more, as a hung one.
            for (;;) {}
          }
          if (existsSync(path.join(folder(), `fail-stop-${name}`))) {
            throw new PytarchiveError(
              "TAPE_LEFT_MOUNTED",
              "Drive 0 still has tape SIM001L9 mounted at /srv/ltfs0.",
              { hint: "Unmount it by hand before switching the host off." },
            );
          }
        },
      };
    },
  };
}

/** In start order, like the runner's registry. */
export const SERVICE_REGISTRY: readonly ServiceDefinition[] = [
  echoService,
  scripted("catalog"),
  scripted("notifier"),
  scripted("ltfs"),
];
