import type { PytarchiveConfig } from "./types.ts";

/** What a hidden secret is shown as. */
export const REDACTED = "***";

/**
 * Hides the password of `scheme://user:password@host`, so that no message or log line that
 * quotes a configuration value shows it.
 *
 * @example
 * redactCredentials("nats://admin:s3cret@nats.example.org"); // "nats://admin:***@nats.example.org"
 */
export function redactCredentials(text: string): string {
  return text.replace(/(\/\/[^/:@\s]*):[^@\s/]*@/g, "$1:***@");
}

/**
 * Keys whose whole value is a secret (`[SMTP] password`): messages quoting a value show
 * {@link REDACTED} instead.
 */
export function isSecretKey(key: string): boolean {
  return key.toLowerCase() === "password";
}

/**
 * A configuration value as messages may quote it: secrets hidden entirely, URL passwords hidden.
 *
 * @example
 * shownValue("password", "s3cret"); // "***"
 * shownValue("url", "nats://ops:s3cret@nats1"); // "nats://ops:***@nats1"
 */
export function shownValue(key: string, text: string): string {
  return isSecretKey(key) ? REDACTED : redactCredentials(text);
}

/**
 * The configuration as it may be printed or logged: the SMTP password, passwords in URLs and
 * the webhook's path (its secret token) replaced by `***`.
 *
 * @example
 * JSON.stringify(redactConfig(config)); // …"password":"***"…"webhookUrl":"https://chat.example.org/***"…
 */
export function redactConfig(config: PytarchiveConfig): PytarchiveConfig {
  return {
    ...config,
    nats: {
      ...config.nats,
      url: config.nats.url === null ? null : redactCredentials(config.nats.url),
    },
    database: {
      url: config.database.url === null ? null : redactCredentials(config.database.url),
    },
    smtp: {
      ...config.smtp,
      password: config.smtp.password === null ? null : REDACTED,
    },
    chat: {
      ...config.chat,
      webhookUrl: config.chat.webhookUrl === null ? null : redactWebhookUrl(config.chat.webhookUrl),
    },
  };
}

/**
 * A webhook URL without its secret: Slack and Mattermost put the token in the path.
 *
 * @example
 * redactWebhookUrl("https://hooks.slack.com/services/T0/B0/XYZ"); // "https://hooks.slack.com/***"
 */
export function redactWebhookUrl(url: string): string {
  try {
    return `${new URL(url).origin}/${REDACTED}`;
  } catch {
    return REDACTED;
  }
}
