import { describe, expect, it } from "vitest";
import {
  formatExportFlags,
  parseExportOptions,
} from "../../../infra/simulator/nfs/export-options.ts";
import {
  clockUtc,
  exploreMail,
  longUtc,
  unconfirmedOptions,
} from "../../../services/export/index.ts";
import { parseExportfsVerbose } from "../../../shared/hardware/exportfs/index.ts";
import { readFixture } from "../hardware/ltfs/ltfs-captures.ts";

/** The options a real `exportfs -v` lists for the first export of a captured listing. */
function listedOptions(fixture: string): readonly string[] {
  return parseExportfsVerbose(readFixture(`real/exportfs/${fixture}`))[0]?.options ?? [];
}

/** What exportfs lists for an export made with `settings` (nfs-utils' rules, as the simulator has them). */
function listedFor(settings: string): string[] {
  const parsed = parseExportOptions(settings);
  if (!parsed.ok) throw new Error(parsed.message);
  return formatExportFlags(parsed.flags).split(",");
}

describe("unconfirmedOptions", () => {
  it("accepts a real read-only listing for the settings it was made with", () => {
    const listed = listedOptions("exportfs-v-tab-exact-short-and-long-path-reconstructed.txt");
    expect(unconfirmedOptions("ro,no_subtree_check", listed)).toEqual([]);
    expect(unconfirmedOptions("ro,secure,root_squash,sync", listed)).toEqual([]);
  });

  it("confirms insecure and secure from the real nfs-utils 2.6.2 listing, which shows neither", () => {
    // exportfs -o ro,insecure,fsid=12,no_subtree_check 127.0.0.1:… on Debian 12 lists this:
    const line = readFixture(
      "real/exportfs/exportfs-v-debian12-nfs-utils-2.6.2-ro-insecure-fsid-client-column.txt",
    );
    const listed = /\((.*)\)/.exec(line)?.[1]?.split(",") ?? [];
    expect(listed).toContain("fsid=12");
    expect(unconfirmedOptions("ro,insecure,fsid=12,no_subtree_check", listed)).toEqual([]);
    expect(unconfirmedOptions("ro,secure,fsid=12", listed)).toEqual([]);
    // What it does show is still checked.
    expect(unconfirmedOptions("rw,insecure,fsid=13", listed)).toEqual(["rw", "fsid=13"]);
  });

  it("names what a real listing contradicts or lacks", () => {
    const readWrite = listedOptions("exportfs-v-two-long-paths-wrapped-no-root-squash.txt");
    expect(unconfirmedOptions("ro,fsid=1,no_subtree_check", readWrite)).toEqual(["ro", "fsid=1"]);
    const world = listedOptions("exportfs-v-long-path-wrapped-world-insecure.txt");
    expect(unconfirmedOptions("secure,no_root_squash,subtree_check", world)).toEqual([
      "secure",
      "no_root_squash",
      "subtree_check",
    ]);
  });

  it.each([
    "ro,fsid=1",
    "ro,fsid=1,no_subtree_check",
    "ro,fsid=root,crossmnt,insecure",
    "ro,fsid=0x10,all_squash,anonuid=1000,anongid=1000",
    "ro,fsid=2,sec=krb5:sys,nohide,no_wdelay,async",
    "ro,fsid=3,mp,no_acl,insecure_locks",
    "ro,fsid=4,anonuid=65534,secure_locks,nocrossmnt",
  ])("confirms an export made with %s from what exportfs lists for it", (settings) => {
    expect(unconfirmedOptions(settings, listedFor(settings))).toEqual([]);
  });

  it("notices an export made with other settings than configured", () => {
    expect(unconfirmedOptions("ro,fsid=1", listedFor("rw,fsid=1"))).toEqual(["ro"]);
    expect(unconfirmedOptions("ro,fsid=1", listedFor("ro,fsid=2"))).toEqual(["fsid=1"]);
    expect(unconfirmedOptions("ro,anonuid=1000", listedFor("ro"))).toEqual(["anonuid=1000"]);
    expect(unconfirmedOptions("ro,crossmnt", listedFor("ro"))).toEqual(["crossmnt"]);
    expect(unconfirmedOptions("ro,subtree_check", listedFor("ro"))).toEqual(["subtree_check"]);
  });
});

describe("the times of an explore", () => {
  it("tells the requester how long the tape stays exported, in its two largest units", () => {
    const exportedAt = new Date("2024-06-05T13:55:50Z");
    const mail = exploreMail({
      jobId: "3fa2b1c0",
      tape: "AAK788L9",
      subjectPrefix: "pytarchive",
      host: "archive",
      mountPoint: "/mnt/ltfs0",
      client: "10.0.0.0/24",
      exportedAt,
      withdrawnAt: new Date(exportedAt.getTime() + 7_260_000),
    });
    expect(mail.text).toContain(
      "Withdrawn:  Wednesday 5 June 2024, 15:56:50 UTC (2024-06-05T15:56:50.000Z), 2 h 1 min after it was exported",
    );
  });

  it("gives the withdrawal in UTC, with the date when it is another day", () => {
    const now = new Date("2024-06-05T13:55:50Z");
    expect(clockUtc(new Date("2024-06-05T14:05:30Z"), now)).toBe("14:05 UTC");
    expect(clockUtc(new Date("2024-06-06T00:10:00Z"), now)).toBe("2024-06-06 00:10 UTC");
    expect(longUtc(new Date("2024-06-05T14:05:07Z"))).toBe("Wednesday 5 June 2024, 14:05:07 UTC");
  });
});
