import { rmSync } from "node:fs";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  DELETEABLE_REPLY,
  QUEUE_REPLY,
  SUMMARY_REPLY,
  TAPES_REPLY,
} from "../../unit/cli/sample-replies.ts";
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

beforeEach(() => {
  gateway.reset();
});

const queued = (jobId: string) => () => ({ jobId, message: `queued as ${jobId}` });

describe("job-creating verbs", () => {
  it("prepare sends folder, description and compress, and prints the task and its id", async () => {
    gateway.answer("prepare", queued("3fa2b1c0"));
    const result = await runInProcess([
      "prepare",
      "/data/projects/alpha",
      "Alpha final data",
      "--compress",
    ]);
    expect(gateway.received).toEqual([
      {
        verb: "prepare",
        body: { folder: "/data/projects/alpha", description: "Alpha final data", compress: true },
      },
    ]);
    expect(result).toEqual({
      exitCode: 0,
      stdout:
        "Preparing folder: /data/projects/alpha - Alpha final data (packed into a tar archive)\nqueued as 3fa2b1c0\n",
      stderr: "",
    });
  });

  it("archive sends folder, tape, name on tape and priority", async () => {
    gateway.answer("archive", queued("0badc0de"));
    const result = await runInProcess([
      "archive",
      "/data/projects/alpha",
      "AAK788L9",
      "-t",
      "alpha_2024",
      "--priority",
      "50",
    ]);
    expect(gateway.received).toEqual([
      {
        verb: "archive",
        body: {
          folder: "/data/projects/alpha",
          tape: "AAK788L9",
          targetName: "alpha_2024",
          priority: 50,
        },
      },
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      "Archiving folder: /data/projects/alpha to tape AAK788L9 as alpha_2024\nqueued as 0badc0de\n",
    );
  });

  it("restore sends folder, target and subfolder", async () => {
    gateway.answer("restore", queued("a1b2c3d4"));
    const result = await runInProcess([
      "restore",
      "/data/projects/alpha",
      "/scratch/alpha",
      "--subfolder",
      "results",
    ]);
    expect(gateway.received).toEqual([
      {
        verb: "restore",
        body: { folder: "/data/projects/alpha", target: "/scratch/alpha", subfolder: "results" },
      },
    ]);
    expect(result.stdout).toBe(
      "Restoring folder: /data/projects/alpha (subfolder results) to /scratch/alpha\nqueued as a1b2c3d4\n",
    );
  });

  it("explore sends tape, seconds and email", async () => {
    gateway.answer("explore", queued("deadbeef"));
    const result = await runInProcess([
      "explore",
      "AAK788L9",
      "-t",
      "3600",
      "-e",
      "op@example.org",
    ]);
    expect(gateway.received).toEqual([
      { verb: "explore", body: { tape: "AAK788L9", seconds: 3600, email: "op@example.org" } },
    ]);
    expect(result.stdout).toBe(
      "Exploring tape: AAK788L9 for 3600 s, mail to op@example.org\nqueued as deadbeef\n",
    );
  });

  it("inventory sends the folders given, or none so the service uses source_folders", async () => {
    gateway.answer("inventory", queued("11112222"));
    const withFolders = await runInProcess(["inventory", "/data/homes", "/data/projects"]);
    const withDefaults = await runInProcess(["inventory", "--priority", "250"]);
    expect(gateway.received).toEqual([
      { verb: "inventory", body: { folders: ["/data/homes", "/data/projects"] } },
      { verb: "inventory", body: { priority: 250 } },
    ]);
    expect(withFolders.stdout).toBe(
      "Taking inventory of: /data/homes, /data/projects\nqueued as 11112222\n",
    );
    expect(withDefaults.stdout).toBe(
      "Taking inventory of: the source folders of the configuration\nqueued as 11112222\n",
    );
  });

  it("verify sends a folder or a tape as the target", async () => {
    gateway.answer("verify", queued("33334444"));
    const tape = await runInProcess(["verify", "AAK788L9"]);
    await runInProcess(["verify", "/data/projects/alpha"]);
    expect(gateway.received).toEqual([
      { verb: "verify", body: { target: "AAK788L9" } },
      { verb: "verify", body: { target: "/data/projects/alpha" } },
    ]);
    expect(tape.stdout).toBe("Verifying tape: AAK788L9\nqueued as 33334444\n");
  });

  it("--json prints the gateway's reply", async () => {
    gateway.answer("archive", queued("0badc0de"));
    const result = await runInProcess(["archive", "/data/x", "AAK788L9", "--json"]);
    expect(JSON.parse(result.stdout)).toEqual({ jobId: "0badc0de", message: "queued as 0badc0de" });
  });
});

describe("read verbs", () => {
  it("queue lists failed tasks first with their error, then running and queued", async () => {
    gateway.answer("queue", () => QUEUE_REPLY);
    const result = await runInProcess(["queue"]);
    expect(gateway.received).toEqual([{ verb: "queue", body: {} }]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.slice(0, 6)).toEqual([
      "Queue state: 4 tasks (1 failed, 1 running, 2 queued)",
      "",
      "Failed tasks:",
      "[a1b2c3d4] 100 - Restoring folder: /data/projects/old to /scratch/old",
      "    Tape AAK790L9 could not be mounted: LTFS17168E no index found.",
      "    Format or check it with ltfsck.",
    ]);
    expect(lines).toContain(
      "[0badc0de] 0 - Preparing folder: /data/projects/beta - Beta raw data [counting files: 120000]",
    );
  });

  it("queue --json prints the reply as JSON", async () => {
    gateway.answer("queue", () => QUEUE_REPLY);
    const result = await runInProcess(["queue", "--json"]);
    expect(JSON.parse(result.stdout)).toEqual(QUEUE_REPLY);
  });

  it("summary shows each tape's fill and the suggested tape of prepared folders", async () => {
    gateway.answer("summary", () => SUMMARY_REPLY);
    const result = await runInProcess(["summary"]);
    expect(gateway.received).toEqual([{ verb: "summary", body: {} }]);
    expect(result.stdout).toContain(
      "AAK788L9  1.50 TiB / 15.96 TiB (9.4%)  1610612736 / 17138671616 KiB\n",
    );
    expect(result.stdout).toContain(
      "/data/projects/beta (120.00 GiB, 1234 files) -> suggested tape: AAK788L9\n",
    );
  });

  it("summary --json prints the reply as JSON", async () => {
    gateway.answer("summary", () => SUMMARY_REPLY);
    const result = await runInProcess(["summary", "--json"]);
    expect(JSON.parse(result.stdout)).toEqual(SUMMARY_REPLY);
  });

  it("deleteable and deletable send the ignore prefixes and list folders and unchecked ones", async () => {
    gateway.answer("deleteable", () => DELETEABLE_REPLY);
    const result = await runInProcess(["deleteable", "--ignore", "/data/homes", "/data/scratch"]);
    const alias = await runInProcess(["deletable", "--json"]);
    expect(gateway.received).toEqual([
      { verb: "deleteable", body: { ignore: ["/data/homes", "/data/scratch"] } },
      { verb: "deleteable", body: {} },
    ]);
    expect(result.stdout).toContain(
      "/data/projects/alpha  AAK788L9  1.00 TiB    Alpha project, final data 2024\n",
    );
    expect(result.stdout).toContain(
      "Could not be checked (left out; check these by hand):\nFOLDER           TAPE      REASON\n/mnt/hung/delta  AAK789L9  timed out after 2 s\n",
    );
    expect(JSON.parse(alias.stdout)).toEqual(DELETEABLE_REPLY);
  });

  it("tapes lists the tapes, and --json prints them", async () => {
    gateway.answer("tapes", () => TAPES_REPLY);
    const result = await runInProcess(["tapes"]);
    const json = await runInProcess(["tapes", "--json"]);
    expect(gateway.received).toEqual([
      { verb: "tapes", body: {} },
      { verb: "tapes", body: {} },
    ]);
    expect(result.stdout).toContain(
      "CLN001L1  slot 10  cleaning  -         -          -     cleaning tape\n",
    );
    expect(JSON.parse(json.stdout)).toEqual(TAPES_REPLY);
  });
});

describe("queue verbs", () => {
  it("requeue sends comma-separated and separate ids as one list", async () => {
    gateway.answer("requeue", (body) => ({ requeued: (body as { ids: string[] }).ids }));
    const result = await runInProcess(["requeue", "a1b2c3d4,deadbeef", "3FA2B1C0"]);
    expect(gateway.received).toEqual([
      { verb: "requeue", body: { ids: ["a1b2c3d4", "deadbeef", "3fa2b1c0"] } },
    ]);
    expect(result.stdout).toBe(
      [
        "Task a1b2c3d4: error state reset; it is back in the queue.",
        "Task deadbeef: error state reset; it is back in the queue.",
        "Task 3fa2b1c0: error state reset; it is back in the queue.",
        "",
      ].join("\n"),
    );
  });

  it("requeue and abort exit 1 when an id was not acted on, after printing why", async () => {
    gateway.answer("requeue", () => ({
      requeued: ["a1b2c3d4"],
      skipped: [{ id: "deadbeef", code: "UNKNOWN_JOB", message: "not found" }],
    }));
    const requeue = await runInProcess(["requeue", "a1b2c3d4", "deadbeef"]);
    expect(requeue.stdout).toBe(
      "Task a1b2c3d4: error state reset; it is back in the queue.\nTask deadbeef not found.\n",
    );
    expect(requeue.exitCode).toBe(1);
    gateway.answer("abort", () => ({
      aborted: [],
      stopRequested: [],
      skipped: [
        {
          id: "deadbeef",
          code: "JOB_STATE_CONFLICT",
          message: "has already finished (done); there is nothing to abort",
        },
      ],
    }));
    expect((await runInProcess(["abort", "deadbeef"])).exitCode).toBe(1);
  });

  it("requeue --all sends all: true", async () => {
    gateway.answer("requeue", () => ({ requeued: [] }));
    const result = await runInProcess(["requeue", "--all"]);
    expect(gateway.received).toEqual([{ verb: "requeue", body: { all: true } }]);
    expect(result.stdout).toBe("No failed tasks to requeue.\n");
  });

  it("abort sends the ids and tells removed tasks from running ones asked to stop", async () => {
    gateway.answer("abort", () => ({ aborted: ["3fa2b1c0"], stopRequested: ["0badc0de"] }));
    const result = await runInProcess(["abort", "3fa2b1c0", "0badc0de"]);
    expect(gateway.received).toEqual([{ verb: "abort", body: { ids: ["3fa2b1c0", "0badc0de"] } }]);
    expect(result.stdout).toBe(
      "Task 3fa2b1c0 removed from the queue.\nTask 0badc0de: abort requested; it is cleaning up and stops soon.\n",
    );
  });
});
