import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../../../shared/exec/index.ts";
import { startNatsServer, type TestNatsServer } from "../../helpers/nats-server.ts";
import { startMailServer, type TestMailServer, waitFor } from "../notifier/support.ts";
import {
  BARCODES,
  EXPORT_TO,
  type ExportHarness,
  HOST_NAME,
  startExportHarness,
} from "./support.ts";

let nats: TestNatsServer;
let mailServer: TestMailServer;
let harness: ExportHarness;

beforeAll(async () => {
  nats = await startNatsServer();
  mailServer = await startMailServer();
  harness = await startExportHarness(nats, mailServer);
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await mailServer?.close();
  await nats?.dispose();
});

/** The options every explored tape must be exported with ([Export] settings, as exportfs -v words them). */
const CONFIGURED_OPTIONS = ["ro", "fsid=7", "no_subtree_check", "all_squash"];

describe("the export service", () => {
  it("exports the tape for its time, mails the requester, then withdraws it and ends what still uses it", async () => {
    const drive = harness.drive(0);
    await drive.format({ volumeSerial: "EXP001" });
    await drive.mount({ readOnly: true });
    const mountPoint = harness.mountPoint(0);
    // An export an earlier, interrupted run left, and someone working in the mounted tape.
    await harness.exportfs(["-o", "ro,fsid=9", `10.0.0.99:${mountPoint}`]);
    const user = runCommand("sleep", ["600"], { cwd: mountPoint });

    const job = await harness.startExplore(
      { tape: BARCODES[0], seconds: 3, email: "ada@example.org" },
      0,
    );
    const sentAt = Date.now();
    await harness.sendExport(job);

    const exported = await waitFor("the configured export", async () =>
      (await harness.exports()).find(
        (entry) => entry.path === mountPoint && entry.client === EXPORT_TO,
      ),
    );
    // The leftover of the earlier run was withdrawn first.
    expect((await harness.exports()).filter((entry) => entry.path === mountPoint)).toHaveLength(1);
    expect(exported.options).toEqual(expect.arrayContaining(CONFIGURED_OPTIONS));
    expect(exported.options).not.toContain("rw");

    const mail = await waitFor("the mail to the requester", () => mailServer.mails[0], 10_000);
    expect(mail.envelopeTo).toEqual(["ada@example.org"]);
    // The harness's library is the simulated one, and the requester is told so.
    expect(mail.subject).toContain(
      `tape ${BARCODES[0]} (SIMULATED) is exported at ${HOST_NAME}:${mountPoint}`,
    );
    expect(mail.text).toContain(`Export:     ${HOST_NAME}:${mountPoint}\n`);
    expect(mail.text).toContain(`Tape:       ${BARCODES[0]} (SIMULATED)\n`);
    expect(mail.text).toMatch(/^SIMULATED library/);
    expect(mail.text).toContain(`mount -t nfs -o ro ${HOST_NAME}:${mountPoint} /mnt/tape`);
    const withdrawal = /^Withdrawn: {2}\w+day \d+ \w+ \d{4}, (\d\d:\d\d:\d\d) UTC \((\S+)\)/m.exec(
      mail.text,
    );
    expect(withdrawal).not.toBeNull();
    const withdrawnAt = new Date(withdrawal?.[2] ?? "");
    expect(withdrawnAt.toISOString().slice(11, 19)).toBe(withdrawal?.[1]);
    expect(withdrawnAt.getTime()).toBeGreaterThanOrEqual(sentAt + 3_000);
    expect(withdrawnAt.getTime()).toBeLessThanOrEqual(Date.now() + 3_000);

    const result = await harness.resultOf(job);
    expect(result.outcome).toBe("done");
    expect(Date.now()).toBeGreaterThanOrEqual(withdrawnAt.getTime());
    expect(result.summary).toContain(`exported to ${EXPORT_TO} as ${HOST_NAME}:${mountPoint}`);
    expect((await harness.exports()).some((entry) => entry.path === mountPoint)).toBe(false);
    // The process in the tape was ended, so the unmount that follows succeeds.
    expect((await user).signal).toBe("SIGKILL");
    expect(await drive.isMounted()).toBe(true);
    await drive.unmount();
    await harness.end(job, result);

    const progress = await harness.progressTexts(job);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const text of progress) {
      expect(text).toMatch(
        new RegExp(
          `^exported to ${EXPORT_TO} as ${HOST_NAME}:${mountPoint}; withdrawn in \\d s \\(at (\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d UTC\\)$`,
        ),
      );
    }
  }, 30_000);

  it("withdraws the export at once when the job is aborted", async () => {
    const mountPoint = harness.mountPoint(1);
    const mailsBefore = mailServer.mails.length;
    const job = await harness.startExplore({ tape: BARCODES[1], seconds: 120 }, 1);
    await harness.sendExport(job);
    await waitFor("the export", async () =>
      (await harness.exports()).some((entry) => entry.path === mountPoint),
    );

    const abortedAt = Date.now();
    const { stopRequested } = await harness.catalog.call("jobs-abort", { ids: [job.id] });
    expect(stopRequested.map((stopped) => stopped.id)).toEqual([job.id]);
    await waitFor(
      "the export to be withdrawn",
      async () => !(await harness.exports()).some((entry) => entry.path === mountPoint),
      5_000,
    );
    expect(Date.now() - abortedAt).toBeLessThan(5_000);
    const result = await harness.resultOf(job);
    expect(result.outcome).toBe("aborted");
    await harness.end(job, result);
    // Nothing was mounted there: no fuser, which would have ended every process on that disk.
    expect(
      harness.log
        .find("info", "nothing is mounted there")
        .some((line) => line.jobId === job.id && line.mountPoint === mountPoint),
    ).toBe(true);
    expect(mailServer.mails).toHaveLength(mailsBefore);
  }, 30_000);

  it("withdraws on start the exports that no running explore job holds", async () => {
    const [kept, stale] = [harness.mountPoint(0), harness.mountPoint(1)];
    const job = await harness.startExplore({ tape: BARCODES[0], seconds: 600 }, 0);
    await harness.exportfs(["-o", "ro,fsid=7", `${EXPORT_TO}:${kept}`]);
    await harness.exportfs(["-o", "ro,fsid=8", `${EXPORT_TO}:${stale}`]);

    await harness.startExportService();

    const paths = (await harness.exports()).map((entry) => entry.path);
    expect(paths).toContain(kept);
    expect(paths).not.toContain(stale);
    expect(
      harness.log
        .find("warn", "withdrew an export no running explore job holds")
        .some((line) => line.mountPoint === stale),
    ).toBe(true);
    expect(
      harness.log
        .find("info", "export kept: its explore job still runs")
        .some((line) => line.jobId === job.id && line.mountPoint === kept),
    ).toBe(true);
    await harness.exportfs(["-u", `${EXPORT_TO}:${kept}`]);
    await harness.catalog.call("jobs-abort", { ids: [job.id] });
    await harness.catalog.call("job-abort-ack", { id: job.id, attempt: job.attempts });
  }, 30_000);
});
