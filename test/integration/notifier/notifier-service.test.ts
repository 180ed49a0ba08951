import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCatalogService } from "../../../services/catalog/index.ts";
import {
  createNotifierService,
  type NotifierServiceOptions,
} from "../../../services/notifier/index.ts";
import { type RunningServices, runServices } from "../../../services/runner/index.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import type { PytarchiveConfig } from "../../../shared/config/types.ts";
import {
  DeadLetter,
  JOB_EVENTS,
  JobFailed,
  streamNames,
  subjects,
} from "../../../shared/messages/index.ts";
import { createCatalogClient } from "../../../shared/nats/catalog-client.ts";
import { requestChat, requestMail } from "../../../shared/nats/notify.ts";
import { pgliteDatabaseFactory, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { findFreePort, startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { startAuthorisedServer } from "../auth/support.ts";
import { seedPrepared, seedTapes } from "../gateway/support.ts";
import { type CapturedLog, captureLog, startMailServer, startWebhook, waitFor } from "./support.ts";

let nats: TestNatsServer;
let database: TestCatalogDatabase;
let folder: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  database = await pgliteDatabaseFactory.open();
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-notifier-"));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await database?.close();
  await nats?.dispose();
  fs.rmSync(folder, { recursive: true, force: true });
});

/** Retries come fast in these tests; a mail server gets 5 s to answer. */
const FAST: NotifierServiceOptions = {
  retryDelayMs: () => 300,
  sendTimeoutMs: 5_000,
  hostName: "archive-host",
};

function testConfig(libraryId: string, lines: readonly string[]): PytarchiveConfig {
  const text = [
    "[NATS]",
    `url = ${nats.url}`,
    `library_id = ${libraryId}`,
    "[Paths]",
    `state_dir = ${path.join(folder, libraryId)}`,
    ...lines,
  ].join("\n");
  return parseConfig(`${text}\n`, "notifier-test.conf", {});
}

async function start(
  config: PytarchiveConfig,
  options: { log: CapturedLog; notifier?: NotifierServiceOptions; catalog?: boolean },
): Promise<RunningServices> {
  const running = await runServices({
    services: [
      ...(options.catalog ? [createCatalogService({ database: database.db })] : []),
      createNotifierService({ ...FAST, ...options.notifier }),
    ],
    config,
    handleSignals: false,
    logStream: options.log.stream,
  });
  cleanups.push(() => running.stop());
  return running;
}

function uniqueLibraryId(): string {
  return `n${randomBytes(4).toString("hex")}`;
}

const FAILURE = {
  code: "FOLDER_UNREADABLE",
  message: "Cannot read /srv/projects/alpha/private: permission denied.",
  hint: "Give root read access to the folder, then requeue the job.",
};

describe("the notifier announces failed jobs", () => {
  it("mails the recipients of the original's logging.conf and posts to chat, once per attempt", async () => {
    const mailServer = await startMailServer();
    cleanups.push(() => mailServer.close());
    const webhook = await startWebhook();
    cleanups.push(() => webhook.close());
    const loggingConf = path.join(folder, "logging.conf");
    fs.writeFileSync(
      loggingConf,
      [
        "[loggers]",
        "keys=root",
        "[handlers]",
        "keys=rotatingFileHandler, emailHandler",
        "[handler_emailHandler]",
        "class=logging.handlers.SMTPHandler",
        "level=CRITICAL",
        "formatter=defaultFormatter",
        `args=(('127.0.0.1', ${mailServer.port}), 'pytarchive@example.org', ['it@example.org', 'ops@example.org'], 'pyarchive: Task failed')`,
        "[formatter_defaultFormatter]",
        "format=%(asctime)s - %(name)s - %(levelname)s - %(message)s",
        "",
      ].join("\n"),
    );
    const lib = uniqueLibraryId();
    const log = captureLog();
    const config = testConfig(lib, [
      "[SMTP]",
      `logging_conf = ${loggingConf}`,
      "[Chat]",
      `webhook_url = ${webhook.url}`,
      "username = tape-robot",
    ]);
    const running = await start(config, { log, catalog: true });
    const catalog = createCatalogClient(running.nc, lib);

    const { job } = await catalog.call("job-create", {
      kind: "prepare",
      args: { folder: "/srv/projects/alpha", description: "Alpha project", compress: false },
    });
    await catalog.call("job-claim", { kinds: ["prepare"], worker: "test" });
    await catalog.call("job-fail", { id: job.id, step: "prepare", error: FAILURE });

    const mail = await waitFor("the failure mail", () => mailServer.mails[0]);
    expect(mail.envelopeFrom).toBe("pytarchive@example.org");
    expect(mail.envelopeTo).toEqual(["it@example.org", "ops@example.org"]);
    expect(mail.headers.get("to")).toBe("it@example.org, ops@example.org");
    expect(mail.subject).toBe(`pyarchive: Task failed — prepare ${job.id}`);
    expect(mail.text).toContain(`A pytarchive job failed on archive-host (library ${lib}).`);
    expect(mail.text).toContain(`Job:        ${job.id}\n`);
    expect(mail.text).toContain("Kind:       prepare\n");
    expect(mail.text).toContain("Arguments:  folder = /srv/projects/alpha\n");
    expect(mail.text).toContain("            description = Alpha project\n");
    expect(mail.text).toContain("Folder:     /srv/projects/alpha\n");
    expect(mail.text).toContain(
      "Step:       prepare (measuring and packing the folder), attempt 1\n",
    );
    expect(mail.text).toContain(`Error:      ${FAILURE.message} [FOLDER_UNREADABLE]\n`);
    expect(mail.text).toContain(`Hint:       ${FAILURE.hint}\n`);
    expect(mail.text).toContain("pytarchive queue ");
    expect(mail.text).toContain(`pytarchive requeue ${job.id} `);

    const post = await waitFor("the chat message", () => webhook.posts[0]);
    expect(post).toEqual({
      text: `pytarchive: prepare job ${job.id} of /srv/projects/alpha failed at step prepare (measuring and packing the folder): ${FAILURE.message} [${FAILURE.code}] What to do: ${FAILURE.hint} (then \`pytarchive requeue ${job.id}\`)`,
      username: "tape-robot",
    });

    // The same event again (a redelivery): JetStream drops the repeated requests.
    const s = subjects(lib);
    await jetstream(running.nc).publish(
      s.event(JOB_EVENTS.failed),
      JobFailed.encode({
        jobId: job.id,
        step: "prepare",
        attempt: 1,
        error: FAILURE,
        at: new Date().toISOString(),
      }),
    );
    const handled = () =>
      log.lines.filter(
        (line) => line.jobId === job.id && String(line.msg).startsWith("job failure"),
      );
    await waitFor("the repeated event to be handled", () => handled().length === 2);
    await waitForIdleQueue(running, lib);
    expect(mailServer.mails).toHaveLength(1);
    expect(webhook.posts).toHaveLength(1);
    expect(handled()[1]?.msg).toBe("job failure already announced");

    // Requeued and failed again: a new attempt is a new mail.
    await catalog.call("jobs-requeue", { ids: [job.id] });
    await catalog.call("job-claim", { kinds: ["prepare"], worker: "test" });
    await catalog.call("job-fail", { id: job.id, step: "prepare", error: FAILURE });
    const second = await waitFor("the second failure mail", () => mailServer.mails[1]);
    expect(second.subject).toBe(`pyarchive: Task failed — prepare ${job.id}`);
    expect(second.text).toContain(
      "Step:       prepare (measuring and packing the folder), attempt 2\n",
    );
    await waitFor("the second chat message", () => webhook.posts[1]);
  });

  it("names the folder, the tape and the step that failed: the mount, not the unload after it", async () => {
    const mailServer = await startMailServer();
    cleanups.push(() => mailServer.close());
    const webhook = await startWebhook();
    cleanups.push(() => webhook.close());
    const lib = uniqueLibraryId();
    const config = testConfig(lib, [
      "[SMTP]",
      "host = 127.0.0.1",
      `port = ${mailServer.port}`,
      "from = pytarchive@example.org",
      "admins = it@example.org",
      "[Chat]",
      `webhook_url = ${webhook.url}`,
    ]);
    const running = await start(config, { log: captureLog(), catalog: true });
    const catalog = createCatalogClient(running.nc, lib);
    const folder = `/srv/projects/mount-${lib}`;
    await seedTapes(database.db, lib);
    await seedPrepared(database.db, folder, 30);
    const { job } = await catalog.call("job-create", {
      kind: "archive",
      args: { folder, tape: "AAA001L9", targetName: `mount-${lib}` },
    });
    await catalog.call("job-start", { id: job.id, worker: "test", drive: 1 });
    const mountFailed = {
      code: "LTFS_DEVICE_UNAVAILABLE",
      message: "ltfs could not open the tape device /dev/sg3.",
      hint: "Check that a tape is loaded (`tapeinfo -f /dev/sg3`).",
    };
    // As the scheduler does: the error is kept while the drive is released, then the job fails.
    await catalog.call("job-failing", { id: job.id, step: "mount", error: mountFailed });
    await catalog.call("job-fail", { id: job.id, step: "unload", error: mountFailed });

    const mail = await waitFor("the failure mail", () => mailServer.mails[0]);
    expect(mail.text).toContain(`Folder:     ${folder}\n`);
    expect(mail.text).toContain("Tape:       AAA001L9 (drive 1)\n");
    expect(mail.text).toContain("Step:       mount (mounting the tape with LTFS), attempt 1\n");
    expect(mail.text).toContain(`Error:      ${mountFailed.message} [LTFS_DEVICE_UNAVAILABLE]\n`);
    expect(mail.text).toContain(`Hint:       ${mountFailed.hint}\n`);
    expect(mail.text).not.toContain("unload");
    const post = await waitFor("the chat message", () => webhook.posts[0]);
    expect((post as { text: string }).text).toBe(
      `pytarchive: archive job ${job.id} of ${folder} to tape AAA001L9 (drive 1) failed at step mount (mounting the tape with LTFS): ${mountFailed.message} [LTFS_DEVICE_UNAVAILABLE] What to do: ${mountFailed.hint} (then \`pytarchive requeue ${job.id}\`)`,
    );
  });

  it("runs under the notifier's own NATS user, with the catalog under its own", async () => {
    const lib = uniqueLibraryId();
    const auth = await startAuthorisedServer(lib);
    cleanups.push(() => auth.dispose());
    const mailServer = await startMailServer();
    cleanups.push(() => mailServer.close());
    const configAs = (user: "catalog" | "notifier") =>
      parseConfig(
        [
          "[NATS]",
          `url = ${auth.server.url}`,
          `credentials_file = ${auth.credentialsFile(user)}`,
          `library_id = ${lib}`,
          "[Paths]",
          `state_dir = ${path.join(folder, lib)}`,
          "[SMTP]",
          "host = 127.0.0.1",
          `port = ${mailServer.port}`,
          "admins = it@example.org",
          "logging_conf =",
          "",
        ].join("\n"),
        "notifier-test.conf",
        {},
      );
    const log = captureLog();
    const catalogRun = await runServices({
      services: [createCatalogService({ database: database.db })],
      config: configAs("catalog"),
      handleSignals: false,
      logStream: log.stream,
    });
    cleanups.push(() => catalogRun.stop());
    await start(configAs("notifier"), { log });

    const catalog = createCatalogClient(catalogRun.nc, lib);
    const { job } = await catalog.call("job-create", {
      kind: "inventory",
      args: { folders: ["/srv/homes"] },
    });
    await catalog.call("job-claim", { kinds: ["inventory"], worker: "test" });
    await catalog.call("job-fail", { id: job.id, step: "report", error: FAILURE });

    const mail = await waitFor("the failure mail", () => mailServer.mails[0]);
    expect(mail.envelopeTo).toEqual(["it@example.org"]);
    expect(mail.subject).toBe(`pytarchive: Task failed — inventory ${job.id}`);
    expect(mail.text).toContain('Arguments:  folders = ["/srv/homes"]\n');
    expect(log.lines.filter((line) => line.level === "error")).toEqual([]);
  });
});

describe("the notifier's queue", () => {
  it("sends a mail once the mail server comes up, logging each failed try", async () => {
    const port = await findFreePort();
    const lib = uniqueLibraryId();
    const log = captureLog();
    const running = await start(
      testConfig(lib, [
        "[SMTP]",
        "host = 127.0.0.1",
        `port = ${port}`,
        "from = Tape archive <tapes@example.org>",
        "admins = it@example.org, backup@example.org",
        "logging_conf =",
      ]),
      { log, notifier: { maxDeliveries: 20 } },
    );
    await requestMail(jetstream(running.nc), lib, {
      id: "report.down-then-up",
      subject: "pytarchive: inventory of /srv/homes",
      text: "3 folders are older than 2 years.\n",
    });
    await waitFor("a failed try", () => log.find("warn", "mail request failed").length > 0);

    const mailServer = await startMailServer({ port });
    cleanups.push(() => mailServer.close());
    const mail = await waitFor("the mail", () => mailServer.mails[0]);
    expect(mail.envelopeFrom).toBe("tapes@example.org");
    expect(mail.headers.get("from")).toBe("Tape archive <tapes@example.org>");
    expect(mail.envelopeTo).toEqual(["it@example.org", "backup@example.org"]);
    expect(mail.subject).toBe("pytarchive: inventory of /srv/homes");
    expect(mail.text).toBe("3 folders are older than 2 years.\n");

    const warnings = log.find("warn", "mail request failed; it will be tried again");
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    for (const warning of warnings) {
      expect(warning.requestId).toBe("report.down-then-up");
      expect(warning.error).toMatchObject({
        code: "MAIL_NOT_SENT",
        message: expect.stringContaining(`was not taken by 127.0.0.1:${port}`),
      });
    }
    await waitFor("the sent mail to be logged", () => log.find("info", "mail sent").length > 0);
  });

  it("tries again when the mail server refuses for a while, logging in with the configured user", async () => {
    const mailServer = await startMailServer({ refuseFirst: 2 });
    cleanups.push(() => mailServer.close());
    const lib = uniqueLibraryId();
    const log = captureLog();
    const running = await start(
      testConfig(lib, [
        "[SMTP]",
        "host = 127.0.0.1",
        `port = ${mailServer.port}`,
        "user = pytarchive",
        "password = pa%%ss-w0rd",
        "logging_conf =",
      ]),
      { log },
    );
    await requestMail(jetstream(running.nc), lib, {
      id: "explore.3fa2b1c0",
      to: ["someone@example.org"],
      subject: "pytarchive: tape AAK788L9 is exported",
      text: "Mount it with: mount -t nfs archive-host:/ltfs /mnt\n",
      jobId: "3fa2b1c0",
    });
    const mail = await waitFor("the mail", () => mailServer.mails[0]);
    expect(mail.envelopeTo).toEqual(["someone@example.org"]);
    expect(mailServer.attempts()).toBe(3);
    expect(mailServer.logins[0]).toEqual({ username: "pytarchive", password: "pa%ss-w0rd" });

    const warnings = log.find("warn", "mail request failed; it will be tried again");
    expect(warnings.map((line) => [line.jobId, line.delivery])).toEqual([
      ["3fa2b1c0", 1],
      ["3fa2b1c0", 2],
    ]);
    expect(JSON.stringify(warnings[0]?.error)).toContain("451");
    expect(JSON.stringify(log.lines)).not.toContain("pa%ss-w0rd");
  });

  it("posts chat messages as JSON, and tries again when the webhook answers 500", async () => {
    const webhook = await startWebhook([500, 500]);
    cleanups.push(() => webhook.close());
    const lib = uniqueLibraryId();
    const log = captureLog();
    const running = await start(
      testConfig(lib, ["[SMTP]", "logging_conf =", "[Chat]", `webhook_url = ${webhook.url}`]),
      { log },
    );
    await requestChat(jetstream(running.nc), lib, {
      id: "inventory.weekly",
      text: "Inventory of /srv/homes mailed to it@example.org.",
    });
    const post = await waitFor("the chat message", () => webhook.posts[0]);
    expect(post).toEqual({
      text: "Inventory of /srv/homes mailed to it@example.org.",
      username: "pytarchive",
    });
    expect(webhook.answered.map((answer) => answer.status)).toEqual([500, 500, 200]);
    const warnings = log.find("warn", "chat request failed; it will be tried again");
    expect(warnings).toHaveLength(2);
    expect(warnings[0]?.error).toMatchObject({
      code: "CHAT_NOT_SENT",
      message: expect.stringContaining("HTTP 500"),
    });
    // The webhook's token is a secret: logs show only its origin.
    expect(JSON.stringify(log.lines)).not.toContain("s3cret-token");
  });

  it("gives up after the last delivery: an error is logged and the request is dead-lettered", async () => {
    const port = await findFreePort();
    const lib = uniqueLibraryId();
    const log = captureLog();
    const running = await start(
      testConfig(lib, [
        "[SMTP]",
        "host = 127.0.0.1",
        `port = ${port}`,
        "admins = it@example.org",
        "logging_conf =",
      ]),
      { log, notifier: { maxDeliveries: 3 } },
    );
    await requestMail(jetstream(running.nc), lib, {
      id: "3fa2b1c0.failed.1",
      subject: "pytarchive: Task failed — archive 3fa2b1c0",
      text: "…",
      jobId: "3fa2b1c0",
    });
    const givenUp = await waitFor("the error log", () => log.find("error", "given up")[0]);
    expect(givenUp).toMatchObject({ jobId: "3fa2b1c0", requestId: "3fa2b1c0.failed.1" });
    expect(log.find("warn", "mail request failed")).toHaveLength(2);

    const jsm = await jetstreamManager(running.nc);
    const letter = await waitFor("the dead letter", async () => {
      try {
        return (
          (await jsm.streams.getMessage(streamNames(lib).deadLetters, {
            last_by_subj: subjects(lib).deadLetter("notifier"),
          })) ?? undefined
        );
      } catch {
        return undefined;
      }
    });
    const dead = DeadLetter.decode(letter.data);
    expect(dead.deliveryCount).toBe(3);
    expect(dead.error.code).toBe("MAIL_NOT_SENT");
    expect(JSON.parse(dead.payload)).toMatchObject({ id: "3fa2b1c0.failed.1" });
    await waitForIdleQueue(running, lib);
  });

  it("drops requests when nothing is configured, saying so once per channel", async () => {
    const lib = uniqueLibraryId();
    const log = captureLog();
    const running = await start(testConfig(lib, ["[SMTP]", "logging_conf ="]), { log });
    const js = jetstream(running.nc);
    for (const id of ["one", "two"]) {
      await requestMail(js, lib, { id, subject: "pytarchive: test", text: "nobody reads this" });
      await requestChat(js, lib, { id, text: "nobody reads this" });
    }
    await waitForIdleQueue(running, lib, 4);
    expect(log.find("info", "mail is not configured")).toHaveLength(1);
    expect(log.find("info", "chat is not configured")).toHaveLength(1);
    expect(log.lines.filter((line) => line.level === "warn" || line.level === "error")).toEqual([]);
    const health = await running.health();
    expect(health.notifier).toEqual({ ok: true, detail: "mail off (no [SMTP] host); chat off" });
  });

  it("refuses to start with a logging.conf it cannot read as the original's, naming the file", async () => {
    const loggingConf = path.join(folder, "broken-logging.conf");
    fs.writeFileSync(
      loggingConf,
      "[handler_emailHandler]\nclass=logging.handlers.SMTPHandler\nargs=(smarthost, 'a@example.org', ['b@example.org'], 'x')\n",
    );
    const lib = uniqueLibraryId();
    const failed = await runServices({
      services: [createNotifierService(FAST)],
      config: testConfig(lib, ["[SMTP]", `logging_conf = ${loggingConf}`]),
      handleSignals: false,
      logStream: captureLog().stream,
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failed).toMatchObject({
      code: "LOGGING_CONF_INVALID",
      message: `${loggingConf}:3: [handler_emailHandler] args is not a Python tuple this reader understands: unexpected "smarthost" (only strings, numbers, None, True, False, tuples and lists are read) at column 2`,
    });
  });
});

/** Waits until the notifier's work consumer has handled `delivered` requests and holds none. */
async function waitForIdleQueue(
  running: RunningServices,
  libraryId: string,
  delivered = 0,
): Promise<void> {
  const jsm = await jetstreamManager(running.nc);
  await waitFor("the notifier's queue to be empty", async () => {
    const info = await jsm.consumers.info(streamNames(libraryId).work, "notifier");
    return (
      info.num_pending === 0 &&
      info.num_ack_pending === 0 &&
      info.delivered.consumer_seq >= delivered
    );
  });
}
