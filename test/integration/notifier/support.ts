import http from "node:http";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

/** One mail as the test SMTP server received it: envelope, headers and decoded text. */
export interface ReceivedMail {
  readonly envelopeFrom: string;
  readonly envelopeTo: readonly string[];
  /** Header names lower-cased; values unfolded, encoded words decoded. */
  readonly headers: ReadonlyMap<string, string>;
  readonly subject: string;
  /** The body, transfer encoding undone. */
  readonly text: string;
}

export interface TestMailServer {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** User names and passwords clients logged in with (AUTH PLAIN/LOGIN). */
  readonly logins: { username: string; password: string }[];
  /** How many DATA commands it answered (refused ones included). */
  readonly attempts: () => number;
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1, without STARTTLS; a login is optional and
 * any is accepted (and recorded). It refuses the first
 * `refuseFirst` mails with a temporary error (451), as a busy or greylisting server does.
 */
export async function startMailServer(
  options: { port?: number; refuseFirst?: number } = {},
): Promise<TestMailServer> {
  const mails: ReceivedMail[] = [];
  const logins: { username: string; password: string }[] = [];
  let attempts = 0;
  const serverOptions: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    // A login over plain TCP is what a test on loopback can offer; real servers require TLS.
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ username: auth.username ?? "", password: auth.password ?? "" });
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        attempts += 1;
        if (attempts <= (options.refuseFirst ?? 0)) {
          const error = new Error("Try again later (test server is busy)") as Error & {
            responseCode: number;
          };
          error.responseCode = 451;
          callback(error);
          return;
        }
        const mailFrom = session.envelope.mailFrom;
        mails.push(
          parseMail(
            Buffer.concat(chunks).toString("utf8"),
            mailFrom === false ? "" : mailFrom.address,
            session.envelope.rcptTo.map((address) => address.address),
          ),
        );
        callback(null);
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  const port = await new Promise<number>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const address = server.server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
  return {
    port,
    mails,
    logins,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Splits a raw RFC 5322 message into headers and text, undoing the encodings nodemailer uses. */
export function parseMail(raw: string, envelopeFrom: string, envelopeTo: string[]): ReceivedMail {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  const body = raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    headers.set(
      line.slice(0, colon).trim().toLowerCase(),
      decodeWords(line.slice(colon + 1).trim()),
    );
  }
  const encoding = headers.get("content-transfer-encoding")?.toLowerCase() ?? "7bit";
  const text =
    encoding === "quoted-printable"
      ? decodeQuotedPrintable(body)
      : encoding === "base64"
        ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
        : body;
  return {
    envelopeFrom,
    envelopeTo,
    headers,
    subject: headers.get("subject") ?? "",
    text: text.replaceAll("\r\n", "\n"),
  };
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`); blanks between two of them go. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, "$1$2")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_match, _charset, kind: string, data: string) =>
      kind.toUpperCase() === "B"
        ? Buffer.from(data, "base64").toString("utf8")
        : bytesToText(data.replaceAll("_", " ")),
    );
}

function decodeQuotedPrintable(body: string): string {
  return bytesToText(body.replace(/=\r?\n/g, ""));
}

/** `=XX` escapes to bytes, the whole read as UTF-8. */
function bytesToText(text: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] ?? "";
    const hex = text.slice(index + 1, index + 3);
    if (char === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(char, "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

export interface TestWebhook {
  readonly url: string;
  /** JSON bodies of the posts answered 2xx, in order. */
  readonly posts: unknown[];
  /** Every post, with the status it was answered with. */
  readonly answered: { status: number; body: unknown }[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback standing in for a Slack/Mattermost incoming webhook at
 * `/hooks/<token>`. It answers the posts with `statuses` in turn (then 200 "ok").
 */
export async function startWebhook(statuses: readonly number[] = []): Promise<TestWebhook> {
  const posts: unknown[] = [];
  const answered: { status: number; body: unknown }[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: the test then sees it was not JSON.
      }
      const status =
        request.method === "POST" &&
        request.url === "/hooks/s3cret-token" &&
        request.headers["content-type"] === "application/json"
          ? (statuses[answered.length] ?? 200)
          : 400;
      answered.push({ status, body });
      if (status >= 200 && status < 300) posts.push(body);
      response.writeHead(status, { "content-type": "text/plain" });
      response.end(status === 200 ? "ok" : "internal error");
    });
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
  return {
    url: `http://127.0.0.1:${port}/hooks/s3cret-token`,
    posts,
    answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Log lines written by the services, parsed. */
export interface CapturedLog {
  readonly stream: { write(line: string): boolean };
  readonly lines: Record<string, unknown>[];
  /** Lines of `level` whose msg contains `text`. */
  find(level: string, text: string): Record<string, unknown>[];
}

export function captureLog(): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    stream: {
      write(line: string) {
        for (const part of line.split("\n")) if (part.trim() !== "") lines.push(JSON.parse(part));
        return true;
      },
    },
    find: (level, text) =>
      lines.filter((line) => line.level === level && String(line.msg).includes(text)),
  };
}

/** Polls `check` until it returns something other than undefined/false, or fails. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
