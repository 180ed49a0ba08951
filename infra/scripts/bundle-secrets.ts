import { type PytarchiveConfig, redactCredentials } from "../../shared/config/index.ts";
import { readCredentialsFile } from "../../shared/nats/index.ts";

/** Secrets shorter than this are not searched for: they would blot out ordinary words. */
const SHORTEST_SECRET = 4;

function urlPassword(url: string | null): string[] {
  if (url === null) return [];
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === "" ? [] : [password, new URL(url).password];
  } catch {
    return [];
  }
}

function webhookSecrets(url: string | null): string[] {
  if (url === null) return [];
  try {
    const parsed = new URL(url);
    return [url, `${parsed.pathname}${parsed.search}`].filter((part) => part.length > 1);
  } catch {
    return [url];
  }
}

/**
 * Every secret the configuration holds or points at: the SMTP password, passwords in the NATS
 * and database URLs, the chat webhook URL (its path is the token), the NATS credentials file's
 * password. A bundle is scrubbed of each wherever it appears (a log line may quote one).
 */
export function secretsOf(config: PytarchiveConfig): string[] {
  const secrets = [
    ...(config.smtp.password === null ? [] : [config.smtp.password]),
    ...urlPassword(config.nats.url),
    ...urlPassword(config.database.url),
    ...webhookSecrets(config.chat.webhookUrl),
  ];
  if (config.nats.credentialsFile !== null) {
    try {
      secrets.push(readCredentialsFile(config.nats.credentialsFile).password);
    } catch {
      // Unreadable or too open: its password cannot be known, and the bundle never reads it again.
    }
  }
  // Longest first, so that a secret containing another is replaced whole.
  return [...new Set(secrets)]
    .filter((secret) => secret.length >= SHORTEST_SECRET)
    .sort((a, b) => b.length - a.length);
}

/** The text with every secret and every `user:password@` of a URL replaced by `***`. */
export function scrubbed(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) result = result.split(secret).join("***");
  return redactCredentials(result);
}
