import { redactWebhookUrl } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { describeDuration } from "../../shared/format/index.ts";

/** Posts chat messages to an incoming webhook. */
export interface ChatPoster {
  /** The webhook without its secret path, for logs. */
  readonly target: string;
  /** Throws CHAT_NOT_SENT unless the webhook answered 2xx within the timeout. */
  post(text: string): Promise<void>;
}

/**
 * A poster for a Slack- or Mattermost-compatible incoming webhook: both take a JSON body
 * `{ "text": …, "username": … }` (Slack ignores the name when the app fixes it).
 *
 * @example
 * await createChatPoster({ webhookUrl: "https://chat.example.org/hooks/abc", username: "pytarchive" }, { timeoutMs: 10_000 })
 *   .post("Job 3fa2b1c0 (archive) failed at copy: Tape AAK788L9 is full.");
 */
export function createChatPoster(
  chat: { readonly webhookUrl: string; readonly username: string },
  options: { readonly timeoutMs: number },
): ChatPoster {
  const target = redactWebhookUrl(chat.webhookUrl);
  const notSent = (problem: string, cause?: unknown): PytarchiveError =>
    new PytarchiveError(
      "CHAT_NOT_SENT",
      `The chat message was not taken by ${target}: ${problem}`,
      {
        hint: "Check [Chat] webhook_url (the webhook may have been removed) and that this host can reach it; the notifier tries again.",
        cause,
      },
    );
  return {
    target,
    async post(text) {
      let response: Response;
      try {
        response = await fetch(chat.webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text, username: chat.username }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        const reason =
          error instanceof Error && error.name === "TimeoutError"
            ? `no answer within ${describeDuration(options.timeoutMs)}`
            : describeFetchError(error);
        throw notSent(reason, error);
      }
      const body = (await response.text().catch(() => "")).trim();
      if (!response.ok) {
        const excerpt = body === "" ? "" : `: ${body.slice(0, 200)}`;
        throw notSent(`HTTP ${response.status} ${response.statusText}${excerpt}`);
      }
    },
  };
}

/** fetch says "fetch failed" and puts the reason (ECONNREFUSED…) in its cause. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
