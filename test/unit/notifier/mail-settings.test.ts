import { describe, expect, it } from "vitest";
import { describeFailure, resolveMailSettings } from "../../../services/notifier/index.ts";
import { type LoggingConfMail, parseConfig } from "../../../shared/config/index.ts";

const LEGACY: LoggingConfMail = {
  source: "/etc/pytarchive/logging.conf",
  handler: "handler_emailHandler",
  host: "smarthost.example.org",
  port: 587,
  from: "pytarchive@example.org",
  to: ["it@example.org"],
  subject: "pyarchive: Task failed",
  credentials: { user: "legacy", password: "legacy-secret" },
  starttls: true,
};

const smtpOf = (section: string) => parseConfig(`[SMTP]\n${section}\n`, "pytarchive.conf", {}).smtp;

describe("mail settings: [SMTP] first, logging.conf for what it leaves out", () => {
  it("takes everything from logging.conf when [SMTP] is empty, its port included", () => {
    expect(resolveMailSettings(smtpOf(""), LEGACY, "archive-host")).toEqual({
      host: "smarthost.example.org",
      port: 587,
      secure: false,
      starttls: true,
      auth: { user: "legacy", pass: "legacy-secret" },
      from: "pytarchive@example.org",
      admins: ["it@example.org"],
      failureSubject: "pyarchive: Task failed",
      hostFrom: "logging.conf",
    });
  });

  it("lets every [SMTP] key win over logging.conf", () => {
    const smtp = smtpOf(
      [
        "host = mail.example.org",
        "port = 2525",
        "secure = true",
        "user = tapes",
        "password = new-secret",
        "from = tapes@example.org",
        "admins = ops@example.org",
        "subject_prefix = [tapes]",
      ].join("\n"),
    );
    expect(resolveMailSettings(smtp, LEGACY, "archive-host")).toEqual({
      host: "mail.example.org",
      port: 2525,
      secure: true,
      // Implicit TLS: logging.conf's STARTTLS does not apply.
      starttls: false,
      auth: { user: "tapes", pass: "new-secret" },
      from: "tapes@example.org",
      admins: ["ops@example.org"],
      failureSubject: "[tapes]: Task failed",
      hostFrom: "SMTP",
    });
  });

  it("uses [SMTP] port with logging.conf's host when the mail host names no port", () => {
    const settings = resolveMailSettings(smtpOf("port = 2525"), { ...LEGACY, port: null });
    expect(settings).toMatchObject({ host: "smarthost.example.org", port: 2525 });
  });

  it("is null (mail off) without a host anywhere; the sender defaults to pytarchive@<host>", () => {
    expect(resolveMailSettings(smtpOf("admins = it@example.org"), null)).toBeNull();
    expect(resolveMailSettings(smtpOf("host = mx"), null, "archive-host")).toMatchObject({
      from: "pytarchive@archive-host",
      admins: [],
      auth: null,
      failureSubject: "pytarchive: Task failed",
    });
  });
});

describe("the failure report", () => {
  const event = {
    jobId: "3fa2b1c0",
    step: "write",
    attempt: 2,
    error: { code: "TAPE_FULL", message: "Tape AAK788L9 is full." },
    at: "2026-11-26T10:00:00.000Z",
  };

  it("names the folder, the tape and drive, the step, the error and what to do", () => {
    const report = describeFailure(
      {
        event,
        job: {
          kind: "archive",
          args: { folder: "/srv/projects/alpha", tape: "AAK788L9" },
          drive: 1,
        },
        libraryId: "default",
        hostName: "archive-host",
      },
      "pyarchive: Task failed",
    );
    expect(report.subject).toBe("pyarchive: Task failed — archive 3fa2b1c0");
    expect(report.text).toBe(
      [
        "A pytarchive job failed on archive-host (library default).",
        "",
        "Job:        3fa2b1c0",
        "Kind:       archive",
        "Folder:     /srv/projects/alpha",
        "Tape:       AAK788L9 (drive 1)",
        "Arguments:  folder = /srv/projects/alpha",
        "            tape = AAK788L9",
        "Step:       write (writing the folder to the tape), attempt 2",
        "Failed at:  2026-11-26T10:00:00.000Z",
        "Error:      Tape AAK788L9 is full. [TAPE_FULL]",
        "Hint:       (none)",
        "",
        "What to do:",
        "  pytarchive queue              lists running, queued and failed jobs, with this error",
        "  pytarchive requeue 3fa2b1c0   runs the job again, once the cause is fixed",
        "  pytarchive abort 3fa2b1c0     drops it, if it should not run again",
        "",
      ].join("\n"),
    );
    expect(report.chat).toBe(
      "pytarchive: archive job 3fa2b1c0 of /srv/projects/alpha to tape AAK788L9 (drive 1) failed at step write (writing the folder to the tape): Tape AAK788L9 is full. [TAPE_FULL] (then `pytarchive requeue 3fa2b1c0`)",
    );
  });

  it("names the tape a restore's folder is on, and a verified tape", () => {
    const restore = describeFailure(
      {
        event: { ...event, step: "mount", error: { ...event.error, hint: "Load it." } },
        job: { kind: "restore", args: { folder: "/srv/alpha", target: "/srv/back" }, drive: 0 },
        folderTape: "AAK788L9",
        libraryId: "default",
        hostName: "archive-host",
      },
      "pytarchive: Task failed",
    );
    expect(restore.text).toContain("Folder:     /srv/alpha\nTape:       AAK788L9 (drive 0)\n");
    expect(restore.text).toContain("Step:       mount (mounting the tape with LTFS), attempt 2\n");
    expect(restore.chat).toBe(
      "pytarchive: restore job 3fa2b1c0 of /srv/alpha on tape AAK788L9 (drive 0) failed at step mount (mounting the tape with LTFS): Tape AAK788L9 is full. [TAPE_FULL] What to do: Load it. (then `pytarchive requeue 3fa2b1c0`)",
    );
    const verify = describeFailure(
      {
        event,
        job: { kind: "verify", args: { target: "AAK788L9" } },
        libraryId: "default",
        hostName: "archive-host",
      },
      "pytarchive: Task failed",
    );
    expect(verify.text).toContain("Tape:       AAK788L9\n");
    expect(verify.text).not.toContain("Folder:");
  });

  it("still reports a job the catalog no longer knows", () => {
    const report = describeFailure(
      { event, job: null, libraryId: "default", hostName: "archive-host" },
      "pytarchive: Task failed",
    );
    expect(report.subject).toBe("pytarchive: Task failed — job 3fa2b1c0");
    expect(report.text).toContain("Kind:       unknown (the catalog no longer has this job)\n");
    expect(report.text).toContain("Arguments:  (none)\n");
  });
});
