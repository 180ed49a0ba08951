import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { supportBundleMain } from "../../../infra/scripts/support-bundle-main.ts";
import { createSimulatedLibrary } from "../../../infra/simulator/create-library.ts";
import { formatSimulatorConfig } from "../../../infra/simulator/sim-cli.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { REPO_ROOT } from "../../harness/stack.ts";

/*
 * infra/scripts/support-bundle run as an operator runs it, on a simulated library, with a
 * configuration full of secrets and a log that quotes two of them; pytarchive is not running.
 */

const SECRETS = {
  smtpPassword: "SmtpPassw0rd-secret",
  webhookToken: "WebhookT0ken-secret",
  natsUrlPassword: "NatsUrlPassw0rd-secret",
  natsCredentialsPassword: "NatsCredPassw0rd-secret",
  databasePassword: "DbPassw0rd-secret",
};

let home: string;
let bundleFolder: string;
let members: Map<string, string>;
let stdout: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "pyt-bundle-"));
  const library = await createSimulatedLibrary({
    stateDir: path.join(home, "library"),
    drives: 2,
    slots: 4,
    generate: 2,
    moveDelayMs: 0,
  });
  const credentials = path.join(home, "operator.cred");
  await writeFile(credentials, `user = operator\npassword = ${SECRETS.natsCredentialsPassword}\n`);
  await chmod(credentials, 0o600);
  const config = path.join(home, "pytarchive.conf");
  await writeFile(
    config,
    [
      formatSimulatorConfig(library.stateDir),
      "[Paths]",
      `state_dir = ${path.join(home, "state")}`,
      "[NATS]",
      // Nothing listens on port 9: queue and history cannot be asked.
      `url = nats://operator:${SECRETS.natsUrlPassword}@127.0.0.1:9`,
      `credentials_file = ${credentials}`,
      "[Database]",
      `url = postgres://pytarchive:${SECRETS.databasePassword}@db.example.org/pytarchive`,
      "[SMTP]",
      "host = smtp.example.org",
      "user = pytarchive",
      `password = ${SECRETS.smtpPassword}`,
      "[Chat]",
      `webhook_url = https://chat.example.org/hooks/${SECRETS.webhookToken}`,
      "",
    ].join("\n"),
  );
  const log = path.join(home, "pytarchive.log");
  const earlier = Array.from({ length: 40 }, (_, index) => `{"msg":"earlier line ${index}"}`);
  await writeFile(
    log,
    [
      ...earlier,
      `{"msg":"catalog cannot connect to postgres://pytarchive:${SECRETS.databasePassword}@db.example.org/pytarchive"}`,
      `{"msg":"mail refused","detail":"535 auth failed for password ${SECRETS.smtpPassword}"}`,
      `{"msg":"last line"}`,
      "",
    ].join("\n"),
  );
  bundleFolder = path.join(home, "out");
  await runCommand("mkdir", [bundleFolder]);
  const result = await runCommand(
    path.join(REPO_ROOT, "infra/scripts/support-bundle"),
    ["--config", config, "--log", log, "--lines", "3", "--output", bundleFolder],
    { cwd: home, timeoutMs: 120_000, env: { ...process.env, PYTARCHIVE_CONFIG: "" } },
  );
  stdout = expectExit(result).stdout;
  const bundle = stdout.trim();
  const unpacked = path.join(home, "unpacked");
  await runCommand("mkdir", [unpacked]);
  expectExit(await runCommand("tar", ["-xzf", bundle, "-C", unpacked]));
  const [folder] = await readdir(unpacked);
  members = new Map();
  for (const name of await readdir(path.join(unpacked, folder as string))) {
    members.set(name, await readFile(path.join(unpacked, folder as string, name), "utf8"));
  }
}, 180_000);

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

describe("infra/scripts/support-bundle", () => {
  it("prints the path of one .tar.gz in the output folder", async () => {
    expect(stdout).toMatch(
      new RegExp(`^${bundleFolder}/pytarchive-support-[0-9TZ-]+\\.tar\\.gz\\n$`),
    );
    expect(await readdir(bundleFolder)).toHaveLength(1);
  });

  it("holds mtx status, tapeinfo per drive, versions, the configuration, the log's last lines and says pytarchive is not running", () => {
    expect([...members.keys()].sort()).toEqual([
      "README.txt",
      "configuration.json",
      "history-not-available.txt",
      "log-tail.txt",
      "mtx-status.txt",
      "queue-not-available.txt",
      "tapeinfo-drive-0.txt",
      "tapeinfo-drive-1.txt",
      "versions.txt",
    ]);
    expect(members.get("mtx-status.txt")).toContain("Data Transfer Element 1:Empty");
    expect(members.get("tapeinfo-drive-1.txt")).toContain("SerialNumber: 'SIMDRV0001'");
    expect(members.get("versions.txt")).toContain("LTFS version");
    expect(members.get("versions.txt")).toContain("nats-server: v");
    expect(members.get("README.txt")).toContain("pytarchive did not answer queue/history");
    expect(members.get("queue-not-available.txt")).toContain("pytarchive is not running");
    expect(
      members
        .get("log-tail.txt")
        ?.split("\n")
        .filter((line) => line !== ""),
    ).toHaveLength(3);
    expect(members.get("log-tail.txt")).toContain('{"msg":"last line"}');
  });

  it("contains no secret of the configuration, in any file, even where the log quoted one", () => {
    for (const [name, text] of members) {
      for (const secret of Object.values(SECRETS)) {
        expect(text.includes(secret), `${name} shows ${secret}`).toBe(false);
      }
    }
    const config = JSON.parse(members.get("configuration.json") as string);
    expect(config.smtp.password).toBe("***");
    expect(config.chat.webhookUrl).toBe("https://chat.example.org/***");
    expect(config.database.url).toBe("postgres://pytarchive:***@db.example.org/pytarchive");
    expect(members.get("log-tail.txt")).toContain("postgres://pytarchive:***@db.example.org");
  });
});

describe("infra/scripts/support-bundle's errors", () => {
  it("says the bundle could not be written where the output folder takes no file (BUNDLE_NOT_WRITTEN)", async () => {
    const io = { stdout: () => {}, stderr: () => {}, env: { PATH: process.env.PATH }, cwd: home };
    let code: string | null = null;
    try {
      // sysfs refuses new files, even to root.
      await supportBundleMain(
        ["--config", path.join(home, "pytarchive.conf"), "--output", "/sys"],
        io,
      );
    } catch (error) {
      code = error instanceof PytarchiveError ? error.code : String(error);
    }
    expect(code).toBe("BUNDLE_NOT_WRITTEN");
  }, 120_000);
});
