import type { LoggingConfMail } from "../../shared/config/index.ts";
import type { MailSettings } from "./mail-settings.ts";
import type { ChatPoster } from "./post-chat.ts";

/** The health detail: where mail and chat go, or that they are off. */
export function channelsDetail(settings: MailSettings | null, chat: ChatPoster | null): string {
  const mailState =
    settings === null
      ? "mail off (no [SMTP] host)"
      : `mail via ${settings.host}:${settings.port} to ${settings.admins.join(", ") || "(no admins)"}`;
  const chatState = chat === null ? "chat off" : `chat to ${chat.target}`;
  return `${mailState}; ${chatState}`;
}

/** The fields of the start-up log line: the mail settings in use (no password) and the chat. */
export function channelsLogFields(
  settings: MailSettings | null,
  legacy: LoggingConfMail | null,
  chat: ChatPoster | null,
): Record<string, unknown> {
  return {
    mail:
      settings === null
        ? null
        : {
            server: `${settings.host}:${settings.port}`,
            hostFrom: settings.hostFrom,
            from: settings.from,
            admins: settings.admins,
            secure: settings.secure,
            starttls: settings.starttls,
            login: settings.auth?.user ?? null,
          },
    loggingConf: legacy === null ? null : `${legacy.source} [${legacy.handler}]`,
    chat: chat?.target ?? null,
  };
}
