import { describeDuration } from "../../shared/format/index.ts";
import { clockUtc, longUtc } from "./describe-time.ts";

/** What the requester of `pytarchive explore` needs to reach the tape. */
export interface ExploreMailFacts {
  readonly jobId: string;
  readonly tape: string;
  /** `[SMTP] subject_prefix`. */
  readonly subjectPrefix: string;
  /** This host, as NFS clients reach it. */
  readonly host: string;
  readonly mountPoint: string;
  /** `[Export] to`. */
  readonly client: string;
  readonly exportedAt: Date;
  readonly withdrawnAt: Date;
  /** The library is a simulation ([Device] simulate): the tape is a loop image, said so. */
  readonly simulated?: boolean;
}

/**
 * The mail telling the requester where the tape is exported and until when (UTC, as ISO text
 * and for people), with the mount command to paste.
 *
 * @example
 * exploreMail({ jobId: "3fa2b1c0", tape: "AAK788L9", host: "archive", mountPoint: "/mnt/ltfs0", … }).subject
 * // "pytarchive: tape AAK788L9 is exported at archive:/mnt/ltfs0 until 14:05 UTC"
 */
export function exploreMail(facts: ExploreMailFacts): { subject: string; text: string } {
  const address = `${facts.host}:${facts.mountPoint}`;
  const exportedMs = facts.withdrawnAt.getTime() - facts.exportedAt.getTime();
  const tape = facts.simulated === true ? `${facts.tape} (SIMULATED)` : facts.tape;
  const subject = `${facts.subjectPrefix}: tape ${tape} is exported at ${address} until ${clockUtc(facts.withdrawnAt, facts.exportedAt)}`;
  const text = [
    ...(facts.simulated === true
      ? [
          "SIMULATED library ([Device] simulate): this tape is a loop image, not a cartridge;",
          "nothing on it is an archive.",
          "",
        ]
      : []),
    `Tape ${tape} is mounted read-only and exported over NFS, as you asked (job ${facts.jobId}).`,
    "",
    `Export:     ${address}`,
    `Allowed:    ${facts.client}`,
    `Tape:       ${tape}`,
    `Exported:   ${longUtc(facts.exportedAt)} (${facts.exportedAt.toISOString()})`,
    `Withdrawn:  ${longUtc(facts.withdrawnAt)} (${facts.withdrawnAt.toISOString()}), ${describeDuration(exportedMs)} after it was exported`,
    "",
    `Mount it on a machine of ${facts.client}, for example:`,
    "",
    "    sudo mkdir -p /mnt/tape",
    `    sudo mount -t nfs -o ro ${address} /mnt/tape`,
    "",
    "Copy what you need before the export is withdrawn, then unmount it (sudo umount /mnt/tape):",
    "afterwards the mount no longer answers, and the tape goes back to its slot.",
    `An administrator can withdraw it earlier with: pytarchive abort ${facts.jobId}`,
    "",
  ].join("\n");
  return { subject, text };
}
