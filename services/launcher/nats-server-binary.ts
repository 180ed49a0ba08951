import { PytarchiveError } from "../../shared/errors/index.ts";
import { CommandNotStartedError, runCommand } from "../../shared/exec/index.ts";

/** How to install nats-server, as the README's set-up says. */
export const INSTALL_NATS_SERVER = "apt-get install nats-server";

/**
 * Checks that `binary` (default `nats-server`, looked up on PATH) runs, and returns its version
 * line ("nats-server: v2.9.10"). When it is missing, throws NATS_SERVER_NOT_INSTALLED saying how
 * to install it.
 *
 * @example
 * const version = await natsServerVersionOrThrow(); // "nats-server: v2.9.10"
 */
export async function natsServerVersionOrThrow(binary = "nats-server"): Promise<string> {
  let result: Awaited<ReturnType<typeof runCommand>>;
  try {
    result = await runCommand(binary, ["--version"], { timeoutMs: 10_000 });
  } catch (error) {
    if (error instanceof CommandNotStartedError && error.code === "COMMAND_NOT_FOUND") {
      throw new PytarchiveError(
        "NATS_SERVER_NOT_INSTALLED",
        `\`npm start\` runs its own NATS server, but ${binary} is not installed (it is not on PATH).`,
        {
          hint: `Install it: ${INSTALL_NATS_SERVER} (as root; Debian's package). Or use a NATS server you already run: set [NATS] url in the configuration (or PYTARCHIVE_NATS_URL).`,
          cause: error,
        },
      );
    }
    throw error;
  }
  const version = `${result.stdout}${result.stderr}`.trim().split("\n")[0] ?? "";
  if (result.exitCode !== 0 || !/nats-server/i.test(version)) {
    throw new PytarchiveError(
      "NATS_SERVER_UNUSABLE",
      `${binary} --version did not answer like nats-server (exit status ${result.exitCode}): ${version || "no output"}.`,
      { hint: `Reinstall it: ${INSTALL_NATS_SERVER}.` },
    );
  }
  return version;
}
