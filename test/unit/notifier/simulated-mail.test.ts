import { describe, expect, it } from "vitest";
import { exploreMail } from "../../../services/export/explore-mail.ts";
import { describeFailure } from "../../../services/notifier/index.ts";

const event = {
  jobId: "3fa2b1c0",
  step: "copy",
  attempt: 1,
  error: { code: "TAPE_FULL", message: "Tape SIM001L9 is full." },
  at: "2026-11-26T10:00:00.000Z",
};
const failed = {
  event,
  job: { kind: "archive", args: { folder: "/srv/alpha", tape: "SIM001L9" } },
  libraryId: "default",
  hostName: "archive-host",
};

describe("mail about a simulated library", () => {
  it("says so in a failure mail's subject, first line and chat line", () => {
    const report = describeFailure({ ...failed, simulated: true }, "pytarchive: Task failed");
    expect(report.subject).toBe("pytarchive: Task failed — archive 3fa2b1c0 (simulated library)");
    expect(report.text.split("\n").slice(0, 3)).toEqual([
      "SIMULATED library ([Device] simulate): its tapes are loop images; nothing on them is an archive.",
      "",
      "A pytarchive job failed on archive-host (library default, SIMULATED).",
    ]);
    expect(report.chat).toMatch(
      /^pytarchive \(SIMULATED library\): archive job 3fa2b1c0 of \/srv\/alpha to tape SIM001L9 failed/,
    );
  });

  it("says nothing of it for a real library", () => {
    const report = describeFailure({ ...failed, simulated: false }, "pytarchive: Task failed");
    expect(`${report.subject}${report.text}${report.chat}`).not.toMatch(/simulat/i);
  });

  it("marks the tape of an explore mail as simulated", () => {
    const facts = {
      jobId: "3fa2b1c0",
      tape: "SIM001L9",
      subjectPrefix: "pytarchive",
      host: "archive",
      mountPoint: "/mnt/ltfs0",
      client: "127.0.0.1",
      exportedAt: new Date("2026-12-07T09:00:00.000Z"),
      withdrawnAt: new Date("2026-12-07T10:00:00.000Z"),
    };
    const mail = exploreMail({ ...facts, simulated: true });
    expect(mail.subject).toBe(
      "pytarchive: tape SIM001L9 (SIMULATED) is exported at archive:/mnt/ltfs0 until 10:00 UTC",
    );
    expect(mail.text).toMatch(
      /^SIMULATED library \(\[Device\] simulate\): this tape is a loop image, not a cartridge;\nnothing on it is an archive\.\n\nTape SIM001L9 \(SIMULATED\) is mounted read-only/,
    );
    expect(mail.text).toContain("Tape:       SIM001L9 (SIMULATED)");
    const real = exploreMail({ ...facts, simulated: false });
    expect(`${real.subject}${real.text}`).not.toMatch(/simulat/i);
  });
});
