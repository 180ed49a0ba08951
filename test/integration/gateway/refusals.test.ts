import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { claimNextJob, getJob } from "../../../services/catalog/db/index.ts";
import type { RunningServices } from "../../../services/runner/index.ts";
import type { CommandVerb } from "../../../shared/messages/commands.ts";
import { subjects } from "../../../shared/messages/index.ts";
import { catalogDatabaseFactories, type TestCatalogDatabase } from "../../helpers/databases.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import {
  type CommandClient,
  catalogSnapshot,
  connectCommandClient,
  failNextJob,
  makeScratch,
  seedArchived,
  seedPrepared,
  seedTapes,
  startGatewayAndCatalog,
  testConfig,
  uniqueLibraryId,
} from "./support.ts";

let server: TestNatsServer;
const scratch = makeScratch();

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.dispose();
  scratch.remove();
});

describe.each(catalogDatabaseFactories)(
  "invalid commands are refused and change nothing on $dialect",
  (factory) => {
    let database: TestCatalogDatabase;
    let services: RunningServices;
    let client: CommandClient;
    const libraryId = uniqueLibraryId();
    const d = factory.dialect;
    const prepared = scratch.folder(d, "projects", "prepared");
    const big = scratch.folder(d, "projects", "big");
    const unprepared = scratch.folder(d, "projects", "unprepared");
    const archived = scratch.folder(d, "projects", "archived");
    const file = scratch.file(d, "projects", "notes.txt");
    const notEmpty = scratch.folder(d, "restore", "not-empty");
    scratch.file(d, "restore", "not-empty", "existing.txt");

    beforeAll(async () => {
      database = await factory.open();
      services = await startGatewayAndCatalog(
        testConfig({ libraryId, natsUrl: server.url, stateDir: scratch.folder(d, "state") }),
        database.db,
      );
      client = await connectCommandClient(server.url, libraryId);
    });

    afterAll(async () => {
      await client?.close();
      await services?.stop();
      await database?.close();
    });

    // Every test starts from the same catalog: two data tapes and a cleaning tape, a prepared
    // folder, an archived one (name "taken" on AAA001L9, 600 of 1000 KiB used) and one job of each state.
    let jobs: { queued: string; failed: string; running: string; done: string };
    beforeEach(async () => {
      await database.reset();
      await seedTapes(database.db, libraryId);
      await seedPrepared(database.db, prepared, 100);
      await seedPrepared(database.db, big, 500);
      await seedArchived(database.db, archived, { tape: "AAA001L9", name: "taken", sizeKib: 600 });
      const running = await client.send("inventory", { folders: [prepared], priority: 1 });
      const failed = await client.send("inventory", { folders: [prepared], priority: 2 });
      const queued = await client.send("inventory", { folders: [prepared], priority: 3 });
      await claimNextJob(database.db);
      await failNextJob(database.db, "boom");
      jobs = { running: running.jobId, failed: failed.jobId, queued: queued.jobId, done: "" };
    });

    async function expectRefused(
      verb: CommandVerb,
      payload: unknown,
      code: string,
      message: RegExp,
    ): Promise<void> {
      const before = await catalogSnapshot(database.db);
      const error = await client.refused(verb, payload);
      expect({ code: error.code, message: error.message }).toEqual({
        code,
        message: expect.stringMatching(message),
      });
      expect(error.hint, "every refusal says what to do").toMatch(/\S/);
      expect(await catalogSnapshot(database.db)).toEqual(before);
    }

    it("refuses a relative folder", () =>
      expectRefused(
        "prepare",
        { folder: "projects/alpha", description: "x", compress: false },
        "PATH_NOT_ABSOLUTE",
        /The folder "projects\/alpha" is not an absolute path/,
      ));

    it("refuses a folder with .. in it", () =>
      expectRefused(
        "archive",
        { folder: `${prepared}/../big`, tape: "AAA002L9" },
        "PATH_NOT_ABSOLUTE",
        /contains "\." or "\.\." parts/,
      ));

    it("refuses a folder that does not exist", () =>
      expectRefused(
        "prepare",
        { folder: `${scratch.root}/nope`, description: "x", compress: false },
        "FOLDER_NOT_FOUND",
        new RegExp(`The folder ${scratch.root}/nope does not exist`),
      ));

    it("refuses a file where a folder is expected", () =>
      expectRefused(
        "prepare",
        { folder: file, description: "x", compress: false },
        "NOT_A_FOLDER",
        /is not a folder/,
      ));

    it("refuses a non-integer priority", () =>
      expectRefused(
        "prepare",
        { folder: unprepared, description: "x", compress: false, priority: 1.5 },
        "INVALID_ARGUMENT",
        /the priority must be a whole number \(got 1\.5\)/,
      ));

    it("refuses a non-numeric priority", () =>
      expectRefused(
        "archive",
        { folder: prepared, tape: "AAA002L9", priority: "high" },
        "INVALID_ARGUMENT",
        /the priority must be a whole number \(got "high"\)/,
      ));

    it("refuses a priority the queue cannot store", () =>
      expectRefused(
        "inventory",
        { priority: 10_000_000_000 },
        "INVALID_ARGUMENT",
        /priority 10000000000 is out of range/,
      ));

    it("refuses an unknown tape", () =>
      expectRefused(
        "archive",
        { folder: prepared, tape: "ZZZ999L9" },
        "UNKNOWN_TAPE",
        /Tape ZZZ999L9 is not in the catalog/,
      ));

    it("refuses a cleaning tape for archive and explore", async () => {
      await expectRefused(
        "archive",
        { folder: prepared, tape: "CLN001L1" },
        "CLEANING_TAPE",
        /Tape CLN001L1 is a cleaning cartridge/,
      );
      await expectRefused("explore", { tape: "cln001l1" }, "CLEANING_TAPE", /cleaning cartridge/);
    });

    it("refuses an unknown tape for explore and verify", async () => {
      await expectRefused("explore", { tape: "NOPE01L9" }, "UNKNOWN_TAPE", /NOPE01L9/);
      await expectRefused("verify", { target: "NOPE01L9" }, "UNKNOWN_TAPE", /NOPE01L9/);
    });

    it("refuses names on tape with /, .., or nothing", async () => {
      await expectRefused(
        "archive",
        { folder: prepared, tape: "AAA002L9", targetName: "a/b" },
        "INVALID_NAME",
        /The name on tape "a\/b" contains \//,
      );
      await expectRefused(
        "archive",
        { folder: prepared, tape: "AAA002L9", targetName: ".." },
        "INVALID_NAME",
        /is "\.\."/,
      );
      await expectRefused(
        "archive",
        { folder: prepared, tape: "AAA002L9", targetName: "" },
        "INVALID_NAME",
        /is empty/,
      );
    });

    it("refuses a negative or zero exploration time", async () => {
      await expectRefused(
        "explore",
        { tape: "AAA001L9", seconds: -5 },
        "INVALID_ARGUMENT",
        /the time must be a whole number of seconds above 0 \(got -5\)/,
      );
      await expectRefused(
        "explore",
        { tape: "AAA001L9", seconds: 0 },
        "INVALID_ARGUMENT",
        /\(got 0\)/,
      );
    });

    it("refuses a bad mail address", () =>
      expectRefused(
        "explore",
        { tape: "AAA001L9", email: "alice at example" },
        "INVALID_ARGUMENT",
        /is not a mail address/,
      ));

    it("refuses to archive a folder that was not prepared", () =>
      expectRefused(
        "archive",
        { folder: unprepared, tape: "AAA002L9" },
        "FOLDER_NOT_PREPARED",
        /cannot be archived yet: it was never prepared/,
      ));

    it("refuses to archive or prepare a folder that is already archived", async () => {
      await expectRefused(
        "archive",
        { folder: archived, tape: "AAA002L9" },
        "FOLDER_ALREADY_ARCHIVED",
        /already archived on tape AAA001L9 as taken/,
      );
      await expectRefused(
        "prepare",
        { folder: archived, description: "again", compress: false },
        "FOLDER_ALREADY_ARCHIVED",
        /already archived/,
      );
    });

    it("refuses a name already taken on the tape", () =>
      expectRefused(
        "archive",
        { folder: prepared, tape: "AAA001L9", targetName: "taken" },
        "NAME_TAKEN_ON_TAPE",
        new RegExp(
          `Tape AAA001L9 already has a folder named taken: the archived folder ${archived}`,
        ),
      ));

    it("refuses a folder that does not fit on the tape", () =>
      expectRefused(
        "archive",
        { folder: big, tape: "AAA001L9" },
        "TAPE_TOO_FULL",
        /\(500 KiB on tape\) does not fit on tape AAA001L9: it holds 600 KiB of 1000 KiB/,
      ));

    it("refuses a second archive or prepare of a folder with a job pending", async () => {
      const first = await client.send("archive", { folder: prepared, tape: "AAA002L9" });
      await expectRefused(
        "archive",
        { folder: prepared, tape: "AAA002L9", targetName: "other" },
        "JOB_ALREADY_QUEUED",
        new RegExp(`already has a archive job: ${first.jobId} \\(queued\\)`),
      );
      const prepare = await client.send("prepare", {
        folder: unprepared,
        description: "u",
        compress: false,
      });
      await expectRefused(
        "prepare",
        { folder: unprepared, description: "u", compress: false },
        "JOB_ALREADY_QUEUED",
        new RegExp(prepare.jobId),
      );
    });

    it("refuses a restore into a folder that is not empty", () =>
      expectRefused(
        "restore",
        { folder: archived, target: notEmpty },
        "TARGET_NOT_EMPTY",
        /is not empty/,
      ));

    it("refuses a restore target that is a file, or whose parent is missing", async () => {
      await expectRefused(
        "restore",
        { folder: archived, target: file },
        "NOT_A_FOLDER",
        /exists and is not a folder/,
      );
      await expectRefused(
        "restore",
        { folder: archived, target: `${scratch.root}/missing/parent/target` },
        "FOLDER_NOT_FOUND",
        /folder to restore into .* does not exist/,
      );
    });

    it("refuses to restore or verify a folder that is not archived", async () => {
      await expectRefused(
        "restore",
        { folder: prepared, target: `${scratch.root}/new-target` },
        "FOLDER_NOT_ARCHIVED",
        /is not archived \(it is prepared\)/,
      );
      await expectRefused(
        "verify",
        { target: "/never/seen" },
        "FOLDER_NOT_ARCHIVED",
        /the catalog does not know it/,
      );
    });

    it("refuses a subfolder that climbs out of the archived folder", () =>
      expectRefused(
        "restore",
        { folder: archived, target: `${scratch.root}/new-target`, subfolder: "../etc" },
        "INVALID_NAME",
        /The subfolder "\.\.\/etc" contains/,
      ));

    it("requeue and abort act id by id as the original did: each unknown or unsuitable id is reported, the others are acted on", async () => {
      const requeue = await client.send("requeue", {
        ids: ["deadbeef", jobs.failed, jobs.queued, jobs.running],
      });
      expect(requeue).toEqual({
        requeued: [jobs.failed],
        skipped: [
          { id: "deadbeef", code: "UNKNOWN_JOB", message: "not found" },
          { id: jobs.queued, code: "JOB_STATE_CONFLICT", message: "was already queued" },
          {
            id: jobs.running,
            code: "JOB_STATE_CONFLICT",
            message: "is running; only failed tasks can be requeued",
          },
        ],
      });
      expect((await getJob(database.db, jobs.failed))?.state).toBe("queued");
      const abort = await client.send("abort", { ids: [jobs.queued, "0badc0de"] });
      expect(abort).toEqual({
        aborted: [jobs.queued],
        stopRequested: [],
        tooLate: [],
        skipped: [{ id: "0badc0de", code: "UNKNOWN_JOB", message: "not found" }],
      });
      expect((await getJob(database.db, jobs.queued))?.state).toBe("aborted");
      const again = await client.send("abort", { ids: [jobs.queued] });
      expect(again.skipped).toEqual([
        {
          id: jobs.queued,
          code: "JOB_STATE_CONFLICT",
          message: "has already finished (aborted); there is nothing to abort",
        },
      ]);
      // An id that is no id at all is still refused before anything is done.
      await expectRefused(
        "abort",
        { ids: [jobs.failed, "nonsense"] },
        "INVALID_ARGUMENT",
        /"nonsense" is not a task id \(8 hex digits\)/,
      );
    });

    it("refuses requeue with both ids and --all, or neither", async () => {
      await expectRefused(
        "requeue",
        { ids: [jobs.failed], all: true },
        "INVALID_ARGUMENT",
        /not both/,
      );
      await expectRefused("requeue", {}, "INVALID_ARGUMENT", /or --all/);
    });

    it("refuses abort without ids", () =>
      expectRefused("abort", { ids: [] }, "INVALID_ARGUMENT", /Invalid abort command: ids/));

    it("refuses a relative inventory folder and an empty source_folders", async () => {
      await expectRefused("inventory", { folders: ["homes"] }, "PATH_NOT_ABSOLUTE", /"homes"/);
      await expectRefused("inventory", {}, "INVALID_ARGUMENT", /source_folders is empty/);
    });

    it("refuses a request that is not JSON, or of the wrong shape", async () => {
      const before = await catalogSnapshot(database.db);
      const reply = await client.nc.request(
        subjects(libraryId).command("archive"),
        new TextEncoder().encode("folder=/srv/x tape=AAA001L9"),
        { timeout: 5_000 },
      );
      expect(reply.headers?.get("Nats-Service-Error-Code")).toBe("400");
      expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining("The archive command is not JSON"),
      });
      expect(await catalogSnapshot(database.db)).toEqual(before);
      await expectRefused("archive", { folder: prepared }, "INVALID_ARGUMENT", /tape: is required/);
    });
  },
);
