import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { ChatRequest, MailRequest, type NotifyChannel, notifySubject } from "../messages/index.ts";

/** A mail request; `at` defaults to now. */
export type MailRequestInput = Omit<MailRequest, "at"> & { readonly at?: string };
/** A chat request; `at` defaults to now. */
export type ChatRequestInput = Omit<ChatRequest, "at"> & { readonly at?: string };

/**
 * The JetStream message id of a notification request: `notify.<channel>.<id>`. A repeated
 * publish within the stream's duplicate window (2 minutes) is dropped, so a sender that retries
 * (or handles the same event twice) sends one mail. The channel keeps a mail and a chat message
 * with the same request id apart, and both apart from work items (`<jobId>.<step>.<attempt>`),
 * which share the work stream.
 *
 * @example
 * notifyMessageId("mail", "3fa2b1c0.failed.1"); // "notify.mail.3fa2b1c0.failed.1"
 */
export function notifyMessageId(channel: NotifyChannel, id: string): string {
  return `notify.${channel}.${id}`;
}

/**
 * Asks the notifier to send a mail (to `mail.to`, else to `[SMTP] admins`). Resolves once the
 * request is queued in JetStream (`duplicate: true` when it already was); delivery, retries and
 * logging are the notifier's. The subject is sent as given: start it with
 * `config.smtp.subjectPrefix`.
 *
 * @example
 * await requestMail(js, config.nats.libraryId, {
 *   id: `${jobId}.report`, subject: `${config.smtp.subjectPrefix}: inventory of /srv/homes`, text, jobId,
 * });
 */
export async function requestMail(
  js: JetStreamClient,
  libraryId: string,
  mail: MailRequestInput,
): Promise<PubAck> {
  const request: MailRequest = { ...mail, at: mail.at ?? new Date().toISOString() };
  return await js.publish(notifySubject(libraryId, "mail"), MailRequest.encode(request), {
    msgID: notifyMessageId("mail", request.id),
  });
}

/**
 * Asks the notifier to post a message to the configured chat webhook; like {@link requestMail}.
 *
 * @example
 * await requestChat(js, config.nats.libraryId, { id: `${jobId}.report`, text: "Inventory of /srv/homes mailed.", jobId });
 */
export async function requestChat(
  js: JetStreamClient,
  libraryId: string,
  chat: ChatRequestInput,
): Promise<PubAck> {
  const request: ChatRequest = { ...chat, at: chat.at ?? new Date().toISOString() };
  return await js.publish(notifySubject(libraryId, "chat"), ChatRequest.encode(request), {
    msgID: notifyMessageId("chat", request.id),
  });
}
