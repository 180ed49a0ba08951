import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  changerSubjects,
  kvBucketNames,
  streamNames,
  subjects,
} from "../../../shared/messages/index.ts";
import { ensureKv, ensureStreams, request } from "../../../shared/nats/index.ts";
import { libraryNatsUsers, NATS_USERS } from "../../../shared/nats/nats-users.ts";
import { isPermitted, userPermissions } from "../../../shared/nats/permissions.ts";
import {
  type AuthorisedServer,
  nextPermissionViolation,
  refusalOf,
  startAuthorisedServer,
  takeMoves,
} from "./support.ts";

/*
 * Two libraries on one nats-server (the generated configuration for library ids hera and zeus):
 * each library's users may do their own library's work and nothing in the other's — not
 * publish, not subscribe, not consume, not touch its streams or its lease bucket.
 */

const LIBRARIES = ["hera", "zeus"] as const;
const encoder = new TextEncoder();

/** Subjects a user may use whatever its library: the account's API info, replies, discovery. */
const ACCOUNT_WIDE = ["$JS.API.INFO", "_INBOX.>", "$SRV.>"];

/** A subject that `pattern` covers: `*` and `>` filled in with tokens of no library. */
function concrete(pattern: string): string {
  return pattern.replaceAll("*", "t1").replace(/>$/, "t2.t3");
}

describe("the users of several libraries (shared/nats/nats-users.ts)", () => {
  it("names the first library's users after their service and every other's <user>-<library>", () => {
    const names = libraryNatsUsers(["hera", "zeus", "tl2000-basement"]).map((user) => user.name);
    expect(names.slice(0, NATS_USERS.length)).toEqual([...NATS_USERS]);
    expect(names).toContain("ltfs-zeus");
    expect(names).toContain("operator-tl2000-basement");
    expect(new Set(names).size).toBe(3 * NATS_USERS.length);
  });

  it("refuses a library id that is not a subject token, and one given twice", () => {
    expect(() => libraryNatsUsers(["hera", "ze.us"])).toThrow(
      expect.objectContaining({ code: "INVALID_LIBRARY_ID" }),
    );
    expect(() => libraryNatsUsers(["hera", "hera"])).toThrow(
      expect.objectContaining({
        code: "NATS_CONFIG_INVALID",
        message: 'The library id "hera" was given twice.',
      }),
    );
    expect(() => libraryNatsUsers([])).toThrow(
      expect.objectContaining({ code: "NATS_CONFIG_INVALID" }),
    );
  });

  it("gives no user of one library any subject of the other's (the matrix)", () => {
    for (const [own, other] of [LIBRARIES, [...LIBRARIES].reverse()]) {
      // Every subject any user of the other library may use, but the account-wide ones.
      const theirs = NATS_USERS.flatMap((user) => {
        const permissions = userPermissions(other as string, user);
        return [...permissions.publish, ...permissions.subscribe];
      })
        .filter((pattern) => !ACCOUNT_WIDE.includes(pattern))
        .map(concrete);
      expect(theirs.length).toBeGreaterThan(50);
      for (const user of NATS_USERS) {
        const permissions = userPermissions(own as string, user);
        for (const operation of ["publish", "subscribe"] as const) {
          expect(
            theirs.filter((subject) => isPermitted(permissions, operation, subject)),
            `${user} of ${own} may ${operation}`,
          ).toEqual([]);
        }
      }
    }
  });
});

describe("two libraries on one nats-server", () => {
  let auth: AuthorisedServer;

  beforeAll(async () => {
    auth = await startAuthorisedServer(LIBRARIES);
    // Each library's streams and lease bucket, made by its own scheduler.
    for (const library of LIBRARIES) {
      const jsm = await jetstreamManager(await auth.connectAs("scheduler", library));
      await ensureStreams(jsm, library);
      await ensureKv(jsm, library);
    }
  });

  afterAll(async () => {
    await auth?.dispose();
  });

  async function messagesIn(stream: string): Promise<number> {
    const jsm = await jetstreamManager(await auth.connectAs("scheduler", "hera"));
    return (await jsm.streams.info(stream)).state.messages;
  }

  it("lets each library's users in under their own names and credentials", async () => {
    expect(auth.credentialsFile("ltfs", "zeus")).toMatch(/\/credentials\/zeus\/ltfs\.cred$/);
    for (const library of LIBRARIES) {
      const operator = await auth.connectAs("operator", library);
      expect(operator.isClosed()).toBe(false);
    }
  });

  it("each changer takes only its own library's moves; a scheduler cannot publish the other's", async () => {
    for (const library of LIBRARIES) {
      const scheduler = await auth.connectAs("scheduler", library);
      await jetstream(scheduler).publish(
        subjects(library).changerMove,
        encoder.encode(JSON.stringify({ barcode: `${library.toUpperCase()}01L9` })),
      );
    }
    const zeusScheduler = await auth.connectAs("scheduler", "zeus");
    const before = await messagesIn(streamNames("hera").changer);
    expect(
      await refusalOf(
        jetstream(zeusScheduler).publish(subjects("hera").changerMove, encoder.encode("{}")),
      ),
    ).toMatchObject({ operation: "publish", subject: "pyt.hera.changer.move" });
    expect(await messagesIn(streamNames("hera").changer)).toBe(before);

    // Zeus's changer may neither make nor pull hera's changer consumer.
    const zeusChanger = await auth.connectAs("changer", "zeus");
    expect(
      await refusalOf(
        zeusChanger.request(
          "$JS.API.CONSUMER.MSG.NEXT.PYT_hera_CHANGER.changer",
          encoder.encode('{"batch":1}'),
          { timeout: 2_000 },
        ),
      ),
    ).toMatchObject({ subject: "$JS.API.CONSUMER.MSG.NEXT.PYT_hera_CHANGER.changer" });
    expect(await refusalOf(takeMoves(zeusChanger, "hera"))).toMatchObject({
      operation: "publish",
      subject: expect.stringContaining("PYT_hera_CHANGER"),
    });

    expect(await takeMoves(zeusChanger, "zeus")).toEqual(["ZEUS01L9"]);
    expect(await takeMoves(await auth.connectAs("changer", "hera"), "hera")).toEqual(["HERA01L9"]);
  });

  it("an operator sends commands to its own library's gateway only", async () => {
    const heraGateway = await auth.connectAs("gateway", "hera");
    const answering = heraGateway.subscribe(subjects("hera").command("queue"), {
      callback: (_error, msg) => {
        msg.respond(encoder.encode('{"jobs":[]}'));
      },
    });
    await heraGateway.flush();
    expect(
      await request(
        await auth.connectAs("operator", "hera"),
        subjects("hera").command("queue"),
        {},
      ),
    ).toEqual({ jobs: [] });

    const zeusOperator = await auth.connectAs("operator", "zeus");
    const asked = request(zeusOperator, subjects("hera").command("queue"), {});
    await expect(asked).rejects.toMatchObject({
      code: "NATS_PERMISSION_DENIED",
      message:
        "The NATS server refused the request on pyt.hera.cmd.queue: this connection's NATS user may not publish there.",
    });
    expect(await refusalOf(asked)).toMatchObject({
      operation: "publish",
      subject: "pyt.hera.cmd.queue",
    });
    // Nor may zeus's gateway answer hera's commands.
    const zeusGateway = await auth.connectAs("gateway", "zeus");
    const violation = nextPermissionViolation(zeusGateway);
    zeusGateway.subscribe(subjects("hera").command("archive"));
    await expect(violation).resolves.toMatchObject({
      operation: "subscription",
      subject: "pyt.hera.cmd.archive",
    });
    answering.unsubscribe();
  });

  it("no user of zeus may hear hera's events, work, catalog requests or move outcomes", async () => {
    const s = subjects("hera");
    const cases = [
      ["ltfs", s.allEvents],
      ["ltfs", s.workOf("ltfs")],
      ["catalog", s.allCatalog],
      ["gateway", changerSubjects("hera").moveOutcomes],
      ["scheduler", "pyt.hera.>"],
    ] as const;
    for (const [user, subject] of cases) {
      const nc = await auth.connectAs(user, "zeus");
      const violation = nextPermissionViolation(nc);
      nc.subscribe(subject);
      await expect(violation, `${user}-zeus on ${subject}`).resolves.toMatchObject({
        operation: "subscription",
        subject,
      });
    }
  });

  it("no user of zeus may publish hera's work or events, nor touch hera's streams or lease bucket", async () => {
    const zeusLtfs = await auth.connectAs("ltfs", "zeus");
    const beforeWork = await messagesIn(streamNames("hera").work);
    expect(
      await refusalOf(
        jetstream(zeusLtfs).publish(
          subjects("hera").work("scheduler", "done"),
          encoder.encode("{}"),
        ),
      ),
    ).toMatchObject({ operation: "publish", subject: "pyt.hera.work.scheduler.done" });
    expect(
      await refusalOf(
        jetstream(zeusLtfs).publish(subjects("hera").event("job.progress"), encoder.encode("{}")),
      ),
    ).toMatchObject({ operation: "publish", subject: "pyt.hera.events.job.progress" });
    expect(await messagesIn(streamNames("hera").work)).toBe(beforeWork);

    const zeusJsm = await jetstreamManager(zeusLtfs);
    expect(await refusalOf(zeusJsm.streams.info(streamNames("hera").work))).toMatchObject({
      subject: "$JS.API.STREAM.INFO.PYT_hera_WORK",
    });
    expect(await refusalOf(ensureStreams(zeusJsm, "hera"))).toMatchObject({
      operation: "publish",
    });

    const zeusChanger = await auth.connectAs("changer", "zeus");
    const bucket = await new Kvm(zeusChanger).open(kvBucketNames("zeus").leases);
    await bucket.put("changer", "{}");
    const heraBucket = await new Kvm(await auth.connectAs("changer", "hera")).open(
      kvBucketNames("hera").leases,
    );
    await heraBucket.put("changer", '{"holder":"hera"}');
    const heraFromZeus = await new Kvm(zeusChanger).open(kvBucketNames("hera").leases, {
      bindOnly: true,
    });
    expect(await refusalOf(heraFromZeus.put("changer", "{}"))).toMatchObject({
      operation: "publish",
      subject: "$KV.pyt_hera_leases.changer",
    });
    expect((await heraBucket.get("changer"))?.json()).toEqual({ holder: "hera" });
  });
});
