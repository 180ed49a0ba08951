import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultConfig, loadConfig } from "../../../shared/config/index.ts";
import { errorFrom, makeTempDir, removeTempDirs, writeTempFile } from "./config-test-helpers.ts";

afterEach(removeTempDirs);

describe("loadConfig", () => {
  it("reads the default file when nothing names another", () => {
    const file = writeTempFile("[General]\nscratch_path = /srv/scratch\n");
    const config = loadConfig({ env: {}, defaultPath: file });
    expect(config.source).toBe(file);
    expect(config.general.scratchPath).toBe("/srv/scratch");
  });

  it("runs on all defaults when the default file is missing", () => {
    const missing = path.join(makeTempDir(), "pytarchive.conf");
    const config = loadConfig({ env: {}, defaultPath: missing });
    expect(config).toEqual(defaultConfig({}));
    expect(config.source).toBeNull();
  });

  it("still applies environment overrides when the default file is missing", () => {
    const missing = path.join(makeTempDir(), "pytarchive.conf");
    const config = loadConfig({ env: { PYTARCHIVE_STATE_DIR: "/tmp/pt" }, defaultPath: missing });
    expect(config.paths.stateDir).toBe("/tmp/pt");
  });

  it("reads the file named by PYTARCHIVE_CONFIG instead of the default", () => {
    const named = writeTempFile("[NATS]\nlibrary_id = named\n");
    const fallback = writeTempFile("[NATS]\nlibrary_id = default-file\n");
    const config = loadConfig({ env: { PYTARCHIVE_CONFIG: named }, defaultPath: fallback });
    expect(config.source).toBe(named);
    expect(config.nats.libraryId).toBe("named");
  });

  it("prefers the path it is given over PYTARCHIVE_CONFIG", () => {
    const given = writeTempFile("[NATS]\nlibrary_id = given\n");
    const named = writeTempFile("[NATS]\nlibrary_id = named\n");
    expect(loadConfig({ path: given, env: { PYTARCHIVE_CONFIG: named } }).nats.libraryId).toBe(
      "given",
    );
  });

  it("refuses a named file that does not exist", () => {
    const missing = path.join(makeTempDir(), "missing.conf");
    const error = errorFrom(() => loadConfig({ path: missing, env: {} }));
    expect(error.code).toBe("CONFIG_NOT_FOUND");
    expect(error.message).toBe(
      `Configuration file ${missing} does not exist (named by the caller).`,
    );
  });

  it("refuses a file named by PYTARCHIVE_CONFIG that does not exist, and says how to undo it", () => {
    const missing = path.join(makeTempDir(), "missing.conf");
    const error = errorFrom(() => loadConfig({ env: { PYTARCHIVE_CONFIG: missing } }));
    expect(error.code).toBe("CONFIG_NOT_FOUND");
    expect(error.message).toBe(
      `Configuration file ${missing} does not exist (named by PYTARCHIVE_CONFIG).`,
    );
    expect(error.hint).toBe(
      "Create it (docs/configuration.md lists every key), or unset PYTARCHIVE_CONFIG to use /etc/pytarchive/pytarchive.conf.",
    );
  });

  it("refuses a default path that is a folder rather than treating it as missing", () => {
    const folder = makeTempDir();
    const error = errorFrom(() => loadConfig({ env: {}, defaultPath: folder }));
    expect(error.code).toBe("CONFIG_UNREADABLE");
    expect(error.message).toMatch(new RegExp(`^Cannot read configuration file ${folder}: EISDIR`));
  });

  it("reports a syntax error with the file and line number", () => {
    const file = writeTempFile("[General]\ntape_max_size = 1\n\n[Device]\nlibrary /dev/sch0\n");
    const error = errorFrom(() => loadConfig({ path: file, env: {} }));
    expect(error.code).toBe("CONFIG_SYNTAX");
    expect(error.message).toBe(
      `${file}:5: "library /dev/sch0" is neither a [Section] header nor a "key = value" line`,
    );
  });

  it("reports an invalid value with the file's path", () => {
    const file = writeTempFile("[General]\ntape_max_size = 17T\n");
    const error = errorFrom(() => loadConfig({ path: file, env: {} }));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe(
      `${file}: [General] tape_max_size = "17T": expected a whole number of KiB (17138671616 is an LTO-9 tape)`,
    );
  });

  it("resolves a relative path against the working folder", () => {
    const file = writeTempFile("");
    const relative = path.relative(process.cwd(), file);
    expect(loadConfig({ path: relative, env: {} }).source).toBe(file);
  });
});
