import { rmSync } from "node:fs";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { uniqueLibraryId } from "../nats/support.ts";
import {
  runInProcess,
  type StubGateway,
  startStubGateway,
  useConfigFile,
  writeTestConfig,
} from "./support.ts";

let server: TestNatsServer;
let nc: NatsConnection;
let gateway: StubGateway;
let restoreEnv: () => void;
let configFolder: string;

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
  const libraryId = uniqueLibraryId();
  nc = await connect({ servers: server.url });
  gateway = await startStubGateway(nc, libraryId);
  const config = writeTestConfig(["[NATS]", `url = ${server.url}`, `library_id = ${libraryId}`]);
  configFolder = config.folder;
  restoreEnv = useConfigFile(config.file);
});

afterAll(async () => {
  restoreEnv?.();
  await gateway?.stop();
  await nc?.drain();
  await server?.dispose();
  if (configFolder) rmSync(configFolder, { recursive: true, force: true });
});

/** Each command line is wrong in a way the CLI can tell without the service. */
const INVALID: readonly { argv: string[]; error: string }[] = [
  {
    argv: ["prepare", "projects/alpha", "Alpha"],
    error:
      "error: FOLDER must be a full path starting with /, e.g. /full/path/to/folder; 'projects/alpha' is a relative path.\nhint: Give the full path (from /home/operator that would be /home/operator/projects/alpha).\n",
  },
  {
    argv: ["archive", "alpha", "AAK788L9"],
    error:
      "error: FOLDER must be a full path starting with /, e.g. /full/path/to/folder; 'alpha' is a relative path.\n",
  },
  {
    argv: ["restore", "/data/alpha", "../restored"],
    error:
      "error: TARGET must be a full path starting with /, e.g. /full/path/to/folder; '../restored' is a relative path.\n",
  },
  {
    argv: ["inventory", "/data/homes", "projects"],
    error:
      "error: FOLDER must be a full path starting with /, e.g. /full/path/to/folder; 'projects' is a relative path.\n",
  },
  {
    argv: ["archive", "/data/alpha", "AAK788L9", "--priority", "high"],
    error: "error: --priority must be an integer, not 'high'.\n",
  },
  {
    argv: ["prepare", "/data/alpha", "Alpha", "--priority", "1.5"],
    error: "error: --priority must be an integer, not '1.5'.\n",
  },
  {
    argv: ["explore", "AAK788L9", "-t", "-5"],
    error: "error: --time must be a whole number of seconds greater than 0, not '-5'.\n",
  },
  {
    argv: ["explore", "AAK788L9", "--time", "0"],
    error: "error: --time must be a whole number of seconds greater than 0, not '0'.\n",
  },
  {
    argv: ["requeue", "a1b2c3d4,xyz"],
    error: "error: 'xyz' is not a task id: task ids are 8 hex digits, like 3fa2b1c0.\n",
  },
  {
    argv: ["abort", "3fa2b1c"],
    error: "error: '3fa2b1c' is not a task id: task ids are 8 hex digits, like 3fa2b1c0.\n",
  },
  {
    argv: ["archive", "/data/alpha", "AAK788L9", "-t", "../etc"],
    error:
      "error: --targetname '../etc' cannot be a folder name on tape: give one name without '/', not '.' or '..'.\n",
  },
  {
    argv: ["requeue"],
    error: "error: No tasks specified: give the ids of failed tasks, or --all.\n",
  },
  {
    argv: ["archive", "/data/alpha"],
    error: "error: pytarchive archive needs FOLDER and TAPE; TAPE is missing.\n",
  },
  { argv: ["queue", "--verbose"], error: "error: Unknown option '--verbose'" },
];

describe("a command line the CLI can check itself", () => {
  for (const { argv, error } of INVALID) {
    it(`\`pytarchive ${argv.join(" ")}\` is refused with a clear message and sends nothing`, async () => {
      const result = await runInProcess(argv);
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr.startsWith(error)).toBe(true);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(gateway.received).toEqual([]);
    });
  }
});

describe("the same setup with a valid command line", () => {
  it("does reach the stub gateway (so the checks above are not vacuous)", async () => {
    gateway.answer("abort", () => ({ aborted: ["3fa2b1c0"], stopRequested: [] }));
    const result = await runInProcess(["abort", "3fa2b1c0"]);
    expect(result.exitCode).toBe(0);
    expect(gateway.received).toEqual([{ verb: "abort", body: { ids: ["3fa2b1c0"] } }]);
  });
});
