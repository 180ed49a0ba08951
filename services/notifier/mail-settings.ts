import { hostname } from "node:os";
import type { LoggingConfMail } from "../../shared/config/index.ts";
import { NOTIFICATION_DEFAULTS, type PytarchiveConfig } from "../../shared/config/index.ts";

/** How the notifier sends mail: [SMTP] first, the original's logging.conf for what it leaves out. */
export interface MailSettings {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly starttls: boolean;
  readonly auth: { readonly user: string; readonly pass: string } | null;
  readonly from: string;
  /** Recipients of failure mails and of requests without `to`; may be empty. */
  readonly admins: readonly string[];
  /** Subject of a failure mail before ` — <kind> <jobId>`, e.g. "pyarchive: Task failed". */
  readonly failureSubject: string;
  /** Where the host came from, for the start-up log line. */
  readonly hostFrom: "SMTP" | "logging.conf";
}

/**
 * The mail settings, or null when no SMTP host is known (mail is off). logging.conf's mail host
 * (with its port when it names one) is used when [SMTP] host is not set; its sender, recipients
 * and login when [SMTP] from, admins and user are not set; its subject while [SMTP]
 * subject_prefix keeps its default.
 *
 * @example
 * resolveMailSettings(config.smtp, await readLoggingConf("/etc/pytarchive/logging.conf"));
 * // { host: "smarthost.example.org", port: 25, from: "pytarchive@example.org", admins: ["it@example.org"], failureSubject: "pyarchive: Task failed", … }
 */
export function resolveMailSettings(
  smtp: PytarchiveConfig["smtp"],
  legacy: LoggingConfMail | null,
  hostName: string = hostname(),
): MailSettings | null {
  const useLegacyHost = smtp.host === null && legacy !== null;
  const host = smtp.host ?? legacy?.host ?? null;
  if (host === null) return null;
  const login =
    smtp.user !== null
      ? { user: smtp.user, pass: smtp.password ?? "" }
      : legacy?.credentials
        ? { user: legacy.credentials.user, pass: legacy.credentials.password }
        : null;
  const ownPrefix = smtp.subjectPrefix !== NOTIFICATION_DEFAULTS.subjectPrefix;
  return {
    host,
    port: useLegacyHost ? (legacy.port ?? smtp.port) : smtp.port,
    secure: smtp.secure,
    // Python's SMTPHandler with secure=() upgrades with STARTTLS; implicit TLS excludes it.
    starttls: smtp.starttls || (!smtp.secure && legacy?.starttls === true),
    auth: login,
    from: smtp.from ?? legacy?.from ?? `pytarchive@${hostName}`,
    admins: smtp.admins.length > 0 ? smtp.admins : (legacy?.to ?? []),
    failureSubject:
      !ownPrefix && legacy !== null ? legacy.subject : `${smtp.subjectPrefix}: Task failed`,
    hostFrom: useLegacyHost ? "logging.conf" : "SMTP",
  };
}
