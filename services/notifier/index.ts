import { hostname } from "node:os";
import { readLoggingConf } from "../../shared/config/index.ts";
import { streamNames, subjects } from "../../shared/messages/index.ts";
import {
  createCatalogClient,
  type RunningWorkConsumer,
  runWorkConsumer,
  type ServiceDefinition,
} from "../../shared/nats/index.ts";
import { channelsDetail, channelsLogFields } from "./describe-channels.ts";
import { createNotifyRequestHandler, NotifyEnvelope } from "./handle-requests.ts";
import { resolveMailSettings } from "./mail-settings.ts";
import { type ChatPoster, createChatPoster } from "./post-chat.ts";
import { notifierRetryDelayMs } from "./retry-delay.ts";
import { createMailSender, type MailSender } from "./send-mail.ts";
import { watchFailures } from "./watch-failures.ts";

export { describeFailure, type FailedJob } from "./failure-report.ts";
export { type MailSettings, resolveMailSettings } from "./mail-settings.ts";
export { notifierRetryDelayMs } from "./retry-delay.ts";

export interface NotifierServiceOptions {
  /** Deliveries of one request before it is dead-lettered. Default 5. */
  readonly maxDeliveries?: number;
  /** Delay before delivery n+1 of a failed request. Default 15 s, 1 min, 4 min, then 10 min. */
  readonly retryDelayMs?: (deliveryCount: number) => number;
  /** How long the SMTP server or the webhook may take to answer. Default 30 s. */
  readonly sendTimeoutMs?: number;
  /** Job failures older than this are not announced. Default 24 hours. */
  readonly maxFailureAgeMs?: number;
  /** Named in failure mails and the default sender. Default the machine's host name. */
  readonly hostName?: string;
}

/**
 * The notifier: sends the mail and chat messages other services ask for on
 * `pyt.<lib>.work.notifier.>` (durable consumer `notifier`; requestMail / requestChat in
 * shared/nats/notify.ts), and announces every failed job to the admins, by mail and in chat,
 * from the `job.failed` events (durable consumer `notifier` on the events stream). SMTP comes
 * from [SMTP], with the original's logging.conf SMTPHandler for what it leaves out; chat from
 * [Chat]. What is not configured is logged once and dropped (README.md).
 *
 * @example
 * runServices({ services: [createCatalogService(), createNotifierService()], config });
 */
export function createNotifierService(options: NotifierServiceOptions = {}): ServiceDefinition {
  return {
    name: "notifier",
    async start({ config, nc, js, log, signal }) {
      const libraryId = config.nats.libraryId;
      const s = subjects(libraryId);
      const hostName = options.hostName ?? hostname();
      const timeoutMs = options.sendTimeoutMs ?? 30_000;
      const maxDeliveries = options.maxDeliveries ?? 5;
      const retryDelayMs = options.retryDelayMs ?? notifierRetryDelayMs;

      // A logging.conf that exists but cannot be read as the original's stops the start, as a
      // bad pytarchive.conf does: mail would otherwise silently go elsewhere.
      const legacy =
        config.smtp.loggingConf === null ? null : await readLoggingConf(config.smtp.loggingConf);
      const settings = resolveMailSettings(config.smtp, legacy, hostName);
      const mail: MailSender | null =
        settings === null ? null : createMailSender(settings, { timeoutMs });
      const chat: ChatPoster | null =
        config.chat.webhookUrl === null
          ? null
          : createChatPoster(
              { webhookUrl: config.chat.webhookUrl, username: config.chat.username },
              { timeoutMs },
            );

      const consumers: RunningWorkConsumer[] = [];
      const stop = async (): Promise<void> => {
        await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
        mail?.close();
      };
      try {
        consumers.push(
          await runWorkConsumer({
            js,
            stream: streamNames(libraryId).work,
            durable: "notifier",
            filterSubject: s.workOf("notifier"),
            message: NotifyEnvelope,
            deadLetterSubject: s.deadLetter("notifier"),
            maxAckPending: 4,
            maxDeliver: maxDeliveries,
            retryDelayMs,
            log,
            signal,
            handler: createNotifyRequestHandler({
              mail,
              admins: settings?.admins ?? [],
              chat,
              maxDeliveries,
              log,
            }),
          }),
        );
        consumers.push(
          await watchFailures({
            js,
            libraryId,
            catalog: createCatalogClient(nc, libraryId),
            failureSubject: settings?.failureSubject ?? `${config.smtp.subjectPrefix}: Task failed`,
            hostName,
            simulated: config.device.simulate,
            maxAgeMs: options.maxFailureAgeMs ?? 24 * 3_600_000,
            retryDelayMs,
            log,
            signal,
          }),
        );
      } catch (error) {
        await stop();
        throw error;
      }
      log.info("notifier service running", channelsLogFields(settings, legacy, chat));
      const detail = channelsDetail(settings, chat);
      return {
        async health() {
          return { ok: true, detail };
        },
        stop,
      };
    },
  };
}

/** The notifier as the runner starts it. */
export const notifierService: ServiceDefinition = createNotifierService();
