import nodemailer from "nodemailer";
import { PytarchiveError } from "../../shared/errors/index.ts";
import type { MailSettings } from "./mail-settings.ts";

/** One mail as the notifier sends it. */
export interface OutgoingMail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
}

/** Sends mail through the configured SMTP server. */
export interface MailSender {
  /** `host:port`, for logs. */
  readonly server: string;
  /**
   * Resolves with the recipients the server refused when it took the mail for the others; throws
   * MAIL_NOT_SENT when the mail was not taken at all (server down, refused, timed out).
   */
  send(mail: OutgoingMail): Promise<{ readonly rejected: readonly string[] }>;
  close(): void;
}

/**
 * A nodemailer SMTP transport for `settings`. With `starttls` it refuses to send in clear;
 * without, it upgrades when the server offers STARTTLS, as most MTAs do.
 *
 * @example
 * const sender = createMailSender(settings, { timeoutMs: 30_000 });
 * await sender.send({ to: ["it@example.org"], subject: "pytarchive: test", text: "Hello" });
 */
export function createMailSender(
  settings: MailSettings,
  options: { readonly timeoutMs: number },
): MailSender {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.starttls,
    ...(settings.auth === null ? {} : { auth: { ...settings.auth } }),
    // nodemailer waits minutes by default; a hung server should cost one retry, not the queue.
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  const server = `${settings.host}:${settings.port}`;
  return {
    server,
    async send(mail) {
      try {
        const info = await transport.sendMail({
          from: settings.from,
          to: [...mail.to],
          subject: mail.subject,
          text: mail.text,
        });
        return { rejected: info.rejected.map((entry) => addressOf(entry)) };
      } catch (error) {
        throw new PytarchiveError(
          "MAIL_NOT_SENT",
          `The mail "${mail.subject}" to ${mail.to.join(", ")} was not taken by ${server}: ${(error as Error).message}`,
          {
            hint: "Check that the SMTP server runs and accepts mail from this host ([SMTP] host, port, secure, starttls, user and password); the notifier tries again.",
            cause: error,
          },
        );
      }
    },
    close: () => transport.close(),
  };
}

function addressOf(entry: string | { address: string }): string {
  return typeof entry === "string" ? entry : entry.address;
}
