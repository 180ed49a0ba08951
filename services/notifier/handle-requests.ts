import { Type } from "@sinclair/typebox";
import type { Logger } from "../../shared/logging/index.ts";
import {
  ChatRequest,
  defineMessage,
  MailRequest,
  type MessageType,
} from "../../shared/messages/index.ts";
import { PermanentWorkError, type WorkContext, type WorkHandler } from "../../shared/nats/index.ts";
import type { ChatPoster } from "./post-chat.ts";
import type { MailSender } from "./send-mail.ts";

/**
 * Any JSON object: the work queue carries mail and chat requests on different subjects, so the
 * handler checks each against its channel's schema (a mismatch is dead-lettered at once).
 */
export const NotifyEnvelope = defineMessage("notify.request", Type.Object({}));

export interface NotifyRequestHandlerOptions {
  /** null: mail is not configured; requests are dropped (logged once). */
  readonly mail: MailSender | null;
  readonly admins: readonly string[];
  /** null: no webhook is configured; requests are dropped (logged once). */
  readonly chat: ChatPoster | null;
  /** Deliveries before a request is given up (the work consumer's maxDeliver). */
  readonly maxDeliveries: number;
  readonly log: Logger;
}

/**
 * Handles one request of `pyt.<lib>.work.notifier.<channel>`: sends the mail or posts the chat
 * message. A failure is logged as a warning and thrown, so the work consumer tries again later;
 * on the last delivery it is logged as an error and the consumer dead-letters the request.
 */
export function createNotifyRequestHandler(
  options: NotifyRequestHandlerOptions,
): WorkHandler<MessageType<typeof NotifyEnvelope>> {
  const dropped = new Set<string>();
  const dropOnce = (reason: string, fields: Record<string, unknown>): void => {
    if (dropped.has(reason)) return;
    dropped.add(reason);
    options.log.info(`${reason}; such requests are dropped`, fields);
  };

  const attempt = async (
    what: { requestId: string; jobId: string | undefined; channel: string },
    context: WorkContext,
    send: () => Promise<void>,
  ): Promise<void> => {
    const fields = { ...what, delivery: context.deliveryCount };
    try {
      await send();
    } catch (error) {
      if (context.deliveryCount >= options.maxDeliveries) {
        options.log.error(`${what.channel} request given up; it is in the dead-letter stream`, {
          ...fields,
          error,
        });
      } else {
        options.log.warn(`${what.channel} request failed; it will be tried again`, {
          ...fields,
          error,
        });
      }
      throw error;
    }
  };

  return async (message, context) => {
    const channel = context.subject.slice(context.subject.lastIndexOf(".") + 1);
    if (channel === "mail") {
      const mail = MailRequest.parse(message);
      const what = { requestId: mail.id, jobId: mail.jobId, channel };
      const sender = options.mail;
      if (sender === null) {
        dropOnce("mail is not configured (no [SMTP] host, no SMTPHandler in logging.conf)", what);
        return;
      }
      const to = mail.to ?? options.admins;
      if (to.length === 0) {
        dropOnce("a mail without recipients came and [SMTP] admins is empty", what);
        return;
      }
      await attempt(what, context, async () => {
        const { rejected } = await sender.send({ to, subject: mail.subject, text: mail.text });
        const accepted = to.filter((address) => !rejected.includes(address));
        // Sending again would mail the accepted recipients twice: log the refused ones instead.
        if (rejected.length > 0) {
          options.log.warn("the mail server refused some recipients", { ...what, rejected });
        }
        options.log.info("mail sent", {
          ...what,
          to: accepted,
          subject: mail.subject,
          server: sender.server,
        });
      });
      return;
    }
    if (channel === "chat") {
      const chat = ChatRequest.parse(message);
      const what = { requestId: chat.id, jobId: chat.jobId, channel };
      const poster = options.chat;
      if (poster === null) {
        dropOnce("chat is not configured (no [Chat] webhook_url)", what);
        return;
      }
      await attempt(what, context, async () => {
        await poster.post(chat.text);
        options.log.info("chat message posted", { ...what, webhook: poster.target });
      });
      return;
    }
    throw new PermanentWorkError(
      "NOTIFY_CHANNEL_UNKNOWN",
      `A notification request came on ${context.subject}, but the notifier only sends mail and chat.`,
      { hint: "Publish with requestMail or requestChat (shared/nats/notify.ts)." },
    );
  };
}
