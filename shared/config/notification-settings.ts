import net from "node:net";
import { type Setting, type SettingsSource, settingError } from "./settings-source.ts";
import type { PytarchiveConfig } from "./types.ts";
import { parseList, parsePort } from "./values.ts";

/** Defaults of `[SMTP]` and `[Chat]` (see docs/configuration.md). */
export const NOTIFICATION_DEFAULTS = {
  smtpPort: 25,
  /** SMTPS: the port implicit TLS listens on, the default with `secure = true`. */
  smtpSecurePort: 465,
  subjectPrefix: "pytarchive",
  loggingConf: "/etc/pytarchive/logging.conf",
  chatUsername: "pytarchive",
} as const;

/** An e-mail address as the notifier's messages accept it (shared/messages/notifications.ts). */
const ADDRESS = /^[^\s@<>,]+@[^\s@<>,]+$/;

/** `[SMTP]`: how the notifier sends mail. Refuses `secure` and `starttls` together. */
export function readSmtp(source: SettingsSource): PytarchiveConfig["smtp"] {
  const read = <T>(key: string, parse: (setting: Setting) => T): T | undefined => {
    const setting = source.read("SMTP", key);
    return setting === undefined ? undefined : parse(setting);
  };
  const secure = read("secure", parseBoolean) ?? false;
  const starttls = read("starttls", parseBoolean) ?? false;
  if (secure && starttls) {
    throw source.sectionError(
      "SMTP",
      "secure and starttls are both true; a connection uses TLS from the start (secure, port 465) or upgrades with STARTTLS (starttls, port 587), not both",
      "Set secure = true for port 465, or starttls = true for port 587, and the other to false.",
    );
  }
  return {
    host: read("host", parseMailHost) ?? null,
    port:
      read("port", (s) => parsePort(s)) ??
      (secure ? NOTIFICATION_DEFAULTS.smtpSecurePort : NOTIFICATION_DEFAULTS.smtpPort),
    secure,
    starttls,
    user: read("user", optionalText) ?? null,
    // Taken as written: a password may contain anything but leading and trailing blanks.
    password: read("password", optionalText) ?? null,
    from: read("from", parseSender) ?? null,
    admins: read("admins", parseAddressList) ?? [],
    subjectPrefix:
      read("subject_prefix", (s) => parseLine(s, "a short text such as pytarchive or [tapes]")) ??
      NOTIFICATION_DEFAULTS.subjectPrefix,
    loggingConf: readLoggingConf(source),
  };
}

/** `[Chat]`: the incoming webhook chat messages are posted to. */
export function readChat(source: SettingsSource): PytarchiveConfig["chat"] {
  const webhook = source.read("Chat", "webhook_url");
  const username = source.read("Chat", "username");
  return {
    webhookUrl: webhook === undefined ? null : parseWebhookUrl(webhook),
    username:
      username === undefined
        ? NOTIFICATION_DEFAULTS.chatUsername
        : parseLine(username, "the name chat messages are posted under, e.g. pytarchive"),
  };
}

function readLoggingConf(source: SettingsSource): string | null {
  const setting = source.read("SMTP", "logging_conf");
  if (setting === undefined) return NOTIFICATION_DEFAULTS.loggingConf;
  const value = setting.text.trim();
  if (value === "") return null;
  if (!value.startsWith("/")) {
    throw settingError(
      setting,
      "is not an absolute path; expected e.g. /etc/pytarchive/logging.conf, or nothing to read none",
    );
  }
  return value;
}

/**
 * configparser's `getboolean`: 1/yes/true/on and 0/no/false/off, in any case.
 *
 * @example
 * parseBoolean({ text: "Yes", origin }); // true
 */
export function parseBoolean(setting: Setting): boolean {
  const value = setting.text.trim().toLowerCase();
  if (["1", "yes", "true", "on"].includes(value)) return true;
  if (["0", "no", "false", "off"].includes(value)) return false;
  throw settingError(setting, "expected true or false (also yes/no, on/off, 1/0)");
}

function parseMailHost(setting: Setting): string | null {
  const value = setting.text.trim();
  if (value === "") return null;
  const hostName =
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
  if (net.isIP(value) === 0 && !hostName.test(value)) {
    throw settingError(
      setting,
      "expected the SMTP server's host name or address without a port, e.g. smarthost.example.org (the port is [SMTP] port)",
    );
  }
  return value;
}

/** A sender: `user@example.org` or `Display Name <user@example.org>`. Empty means "none". */
function parseSender(setting: Setting): string | null {
  const value = setting.text.trim();
  if (value === "") return null;
  const named = /^[^<>]*<([^<>]+)>$/.exec(value);
  if (!ADDRESS.test(named?.[1]?.trim() ?? value) || value.includes("\n")) {
    throw settingError(
      setting,
      "expected one sender address, e.g. pytarchive@example.org or Tape archive <tapes@example.org>",
    );
  }
  return value;
}

function parseAddressList(setting: Setting): string[] {
  return parseList(setting).map((entry) => {
    if (!ADDRESS.test(entry)) {
      throw settingError(
        setting,
        `${JSON.stringify(entry)} is not an e-mail address; expected addresses separated by commas, e.g. it@example.org, backup@example.org`,
      );
    }
    return entry;
  });
}

/** One line of text, not empty (a subject prefix, a user name). */
function parseLine(setting: Setting, expected: string): string {
  const value = setting.text.trim();
  if (value === "" || value.includes("\n")) {
    throw settingError(
      setting,
      `${value === "" ? "is empty" : "has several lines"}; expected ${expected}`,
    );
  }
  return value;
}

/** Free text where empty means "none" (user, password). */
function optionalText(setting: Setting): string | null {
  const value = setting.text.trim();
  return value === "" ? null : value;
}

/** `[Chat] webhook_url`: an http or https URL. Empty means "none". */
function parseWebhookUrl(setting: Setting): string | null {
  const value = setting.text.trim();
  if (value === "") return null;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  if (url === null || !["http:", "https:"].includes(url.protocol) || url.hostname === "") {
    throw settingError(
      setting,
      "expected the http or https URL of an incoming webhook, e.g. https://chat.example.org/hooks/xxxxxxxx",
      "Slack and Mattermost show it when an incoming webhook is created.",
    );
  }
  return value;
}
