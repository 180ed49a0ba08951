import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { discoverGateway } from "../../../cli/client/discover-gateway.ts";
import { loadConfig } from "../../../shared/config/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { writeEmbeddedClientSettings } from "../../../shared/nats/embedded-client.ts";

let folder: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "pyt-cli-discover-"));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function configWith(text: string) {
  const file = join(folder, "pytarchive.conf");
  writeFileSync(file, text);
  return loadConfig({ path: file, env: {} });
}

describe("discoverGateway", () => {
  it("uses [NATS] url, credentials_file and library_id of the configuration when a URL is set", () => {
    writeEmbeddedClientSettings(folder, {
      natsUrl: "nats://127.0.0.1:14222",
      credentialsFile: "/var/lib/pytarchive/credentials/operator.cred",
      libraryId: "default",
      launcherPid: 4242,
      startedAt: "2026-11-26T10:00:00.000Z",
      simulatedLibrary: null,
    });
    const config = configWith(
      `[Paths]\nstate_dir = ${folder}\n[NATS]\nurl = nats://nats.example.org:4222\ncredentials_file = /etc/pytarchive/operator.cred\nlibrary_id = lib2\n`,
    );
    expect(discoverGateway(config)).toEqual({
      url: "nats://nats.example.org:4222",
      credentialsFile: "/etc/pytarchive/operator.cred",
      libraryId: "lib2",
      source: { kind: "config", file: join(folder, "pytarchive.conf") },
    });
  });

  it("falls back to the client.json that `npm start` wrote in the state folder", () => {
    writeEmbeddedClientSettings(folder, {
      natsUrl: "nats://127.0.0.1:14222",
      credentialsFile: "/var/lib/pytarchive/credentials/operator.cred",
      libraryId: "default",
      launcherPid: 4242,
      startedAt: "2026-11-26T10:00:00.000Z",
      simulatedLibrary: "/var/lib/pytarchive/sim",
    });
    const config = configWith(`[Paths]\nstate_dir = ${folder}\n`);
    expect(discoverGateway(config)).toEqual({
      url: "nats://127.0.0.1:14222",
      credentialsFile: "/var/lib/pytarchive/credentials/operator.cred",
      libraryId: "default",
      source: { kind: "embedded", file: join(folder, "client.json"), launcherPid: 4242 },
    });
  });

  it("says pytarchive is not running, and how to start it, when there is neither", () => {
    const config = configWith(`[Paths]\nstate_dir = ${folder}\n`);
    let caught: unknown;
    try {
      discoverGateway(config);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PytarchiveError);
    const error = caught as PytarchiveError;
    expect(error.code).toBe("PYTARCHIVE_NOT_RUNNING");
    expect(error.message).toBe(
      `pytarchive is not running on this machine: no NATS URL is configured, and ${join(folder, "client.json")} (written by \`npm start\`) does not exist.`,
    );
    expect(error.hint).toContain("`npm start` in the pytarchive folder");
    expect(error.hint).toContain("`systemctl start pytarchive`");
    expect(error.hint).toContain("`export PYTARCHIVE_STATE_DIR=<that folder>`");
  });
});
