import { Type } from "@sinclair/typebox";
import { TimestampSchema } from "./common-schemas.ts";
import { defineMessage, type MessageType } from "./define-message.ts";
import { subjects } from "./subjects.ts";

/*
 * How any service asks the notifier to tell people something. A request goes on the notifier's
 * work queue `pyt.<lib>.work.notifier.<channel>` (JetStream: it waits while the notifier is down
 * and is retried when a mail server or webhook fails). Senders never wait for delivery: a mail
 * that cannot be sent is the notifier's problem to retry and log, never a reason to fail a job.
 */

/** Where a notification goes: mail (SMTP) or the configured chat webhook. */
export const NOTIFY_CHANNELS = ["mail", "chat"] as const;
export type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];

const Email = Type.String({ pattern: "^[^\\s@]+@[^\\s@]+$", description: "an e-mail address" });

/** A mail. Without `to`, it goes to the configured admins. */
export const MailRequest = defineMessage(
  "notify.mail",
  Type.Object({
    /** Identifies the request, for de-duplication and logs, e.g. `<jobId>.failed.<attempt>`. */
    id: Type.String({ pattern: "^[A-Za-z0-9_.-]{1,128}$" }),
    to: Type.Optional(Type.Array(Email, { minItems: 1 })),
    subject: Type.String({ minLength: 1 }),
    text: Type.String(),
    jobId: Type.Optional(Type.String()),
    at: TimestampSchema,
  }),
);
export type MailRequest = MessageType<typeof MailRequest>;

/** A chat message for the configured incoming webhook (Slack- and Mattermost-compatible). */
export const ChatRequest = defineMessage(
  "notify.chat",
  Type.Object({
    id: Type.String({ pattern: "^[A-Za-z0-9_.-]{1,128}$" }),
    text: Type.String({ minLength: 1 }),
    jobId: Type.Optional(Type.String()),
    at: TimestampSchema,
  }),
);
export type ChatRequest = MessageType<typeof ChatRequest>;

/**
 * The subject a notification request goes to.
 *
 * @example
 * notifySubject("lib1", "mail"); // "pyt.lib1.work.notifier.mail"
 */
export function notifySubject(libraryId: string, channel: NotifyChannel): string {
  return subjects(libraryId).work("notifier", channel);
}
