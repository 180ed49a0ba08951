import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCommand } from "../../../shared/exec/index.ts";

/*
 * `npm start` with a port that is not one: refused before any configuration is read or any
 * process is started, with the code, what was wrong and what to give instead.
 */

const main = fileURLToPath(new URL("../../../services/launcher/main.ts", import.meta.url));

describe("npm start --nats-port", () => {
  it.each([
    { how: "--nats-port", args: ["--nats-port", "70000"], env: {}, text: "70000" },
    { how: "PYTARCHIVE_NATS_PORT", args: [], env: { PYTARCHIVE_NATS_PORT: "port" }, text: "port" },
  ])("is NATS_PORT_INVALID for a value that is no TCP port ($how)", async ({ args, env, text }) => {
    const run = await runCommand(process.execPath, ["--import", "tsx", main, ...args], {
      timeoutMs: 60_000,
      env: { ...process.env, ...env },
    });

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    const code = "NATS_PORT_INVALID";
    expect(run.stderr).toBe(
      `error [${code}]: "${text}" is not a TCP port for the embedded NATS server.\n` +
        "Give a number from 1 to 65535 (--nats-port or PYTARCHIVE_NATS_PORT), e.g. 14222.\n",
    );
  });
});
