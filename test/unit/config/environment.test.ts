import { afterEach, describe, expect, it } from "vitest";
import { defaultConfig, parseConfig } from "../../../shared/config/index.ts";
import { makeTempDir, removeTempDirs, writeExecutable } from "./config-test-helpers.ts";

afterEach(removeTempDirs);

const FILE = [
  "[Device]",
  "library = /dev/sch0",
  "[Tools]",
  "path = /",
  "[Paths]",
  "state_dir = /var/lib/pytarchive",
  "mount_table = /proc/mounts",
  "[NATS]",
  "url = nats://file.example.org:4222",
  "credentials_file = /etc/pytarchive/file.creds",
  "library_id = from-file",
  "[Database]",
  "url = postgres://file.example.org/pytarchive",
].join("\n");

describe("environment variables", () => {
  it("win over the file, each for its own key", () => {
    const bin = makeTempDir();
    const mtx = writeExecutable(bin, "mtx");
    const config = parseConfig(FILE, "test.conf", {
      PYTARCHIVE_STATE_DIR: "/tmp/pytarchive-state",
      PYTARCHIVE_NATS_URL: "nats://env.example.org:4222",
      PYTARCHIVE_NATS_CREDENTIALS: "/run/secrets/nats.creds",
      PYTARCHIVE_LIBRARY_ID: "from-env",
      PYTARCHIVE_DATABASE_URL: "postgres://env.example.org/pytarchive",
      PYTARCHIVE_TOOLS_PATH: bin,
      PYTARCHIVE_MOUNT_TABLE: "/tmp/sim/mounts",
      PYTARCHIVE_LIBRARY: "/tmp/sim/changer",
    });
    expect(config.paths).toEqual({
      stateDir: "/tmp/pytarchive-state",
      mountTable: "/tmp/sim/mounts",
    });
    expect(config.nats).toEqual({
      url: "nats://env.example.org:4222",
      credentialsFile: "/run/secrets/nats.creds",
      libraryId: "from-env",
      ackWaitSeconds: 30,
      replicas: 1,
    });
    expect(config.database.url).toBe("postgres://env.example.org/pytarchive");
    expect(config.device.library).toBe("/tmp/sim/changer");
    expect(config.tools.mtx).toBe(mtx);
    expect(config.tools.ltfs).toBe("ltfs");
  });

  it("apply without any file", () => {
    const config = defaultConfig({ PYTARCHIVE_STATE_DIR: "/tmp/pt", PYTARCHIVE_LIBRARY_ID: "lab" });
    expect(config.paths.stateDir).toBe("/tmp/pt");
    expect(config.general.scratchPath).toBe("/tmp/pt/scratch");
    expect(config.nats.libraryId).toBe("lab");
  });

  it("count as unset when empty", () => {
    const config = parseConfig(FILE, "test.conf", {
      PYTARCHIVE_NATS_URL: "",
      PYTARCHIVE_LIBRARY: "",
    });
    expect(config.nats.url).toBe("nats://file.example.org:4222");
    expect(config.device.library).toBe("/dev/sch0");
  });

  it("are validated like the file, and the error names the variable", () => {
    expect(() => defaultConfig({ PYTARCHIVE_STATE_DIR: "var/lib/pytarchive" })).toThrow(
      'environment variable PYTARCHIVE_STATE_DIR = "var/lib/pytarchive" (overrides [Paths] state_dir): is not an absolute path; expected e.g. /var/lib/pytarchive',
    );
  });

  it("do not let the process environment leak in when an env is given", () => {
    process.env.PYTARCHIVE_LIBRARY_ID = "leaked";
    try {
      expect(defaultConfig({}).nats.libraryId).toBe("default");
    } finally {
      delete process.env.PYTARCHIVE_LIBRARY_ID;
    }
  });
});
