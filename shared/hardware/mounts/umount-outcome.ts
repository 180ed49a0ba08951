import type { CommandResult } from "../../exec/index.ts";

export type UmountOutcome =
  | { readonly kind: "unmounted" }
  /** Nothing was mounted there (util-linux: "not mounted", exit 32). */
  | { readonly kind: "not-mounted"; readonly message: string }
  /** Processes still use the file system ("target is busy", "device is busy"). */
  | { readonly kind: "busy"; readonly message: string }
  | { readonly kind: "failed"; readonly message: string };

/**
 * What an `umount <mountpoint>` run did. umount has no message ids, so its (English) wording is
 * matched: util-linux says "target is busy", older and NFS helpers "device is busy".
 *
 * @example
 * umountOutcome({ exitCode: 32, stderr: "umount: /mnt/testfs: target is busy.\n" }).kind // "busy"
 */
export function umountOutcome(result: Pick<CommandResult, "exitCode" | "stderr">): UmountOutcome {
  if (result.exitCode === 0) return { kind: "unmounted" };
  const message =
    result.stderr
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? "";
  if (/\bnot mounted\b/.test(message)) return { kind: "not-mounted", message };
  if (/\b(target|device) is busy\b/.test(message)) return { kind: "busy", message };
  return { kind: "failed", message };
}
