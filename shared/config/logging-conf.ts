import fs from "node:fs/promises";
import { PytarchiveError } from "../errors/index.ts";
import { type IniDocument, type IniSection, parseIni } from "./ini.ts";
import { PythonLiteralError, type PythonValue, parsePythonLiteral } from "./python-literal.ts";

/*
 * The original pytarchive mailed failures through Python's logging.handlers.SMTPHandler,
 * configured in /etc/pytarchive/logging.conf (logging.config.fileConfig):
 *
 *   [handler_emailHandler]
 *   class=logging.handlers.SMTPHandler
 *   args=('smarthost.example.org', 'pytarchive@example.org', ['it@example.org'], 'pyarchive: Task failed')
 *
 * SMTPHandler(mailhost, fromaddr, toaddrs, subject, credentials=None, secure=None, timeout=5.0):
 * mailhost is 'host' or ('host', port); toaddrs a string or a list; credentials ('user',
 * 'password'); secure () means STARTTLS. Existing sites keep mailing the same people this way.
 */

/** The mail settings of the first SMTPHandler of a logging.conf. */
export interface LoggingConfMail {
  /** The file read. */
  readonly source: string;
  /** The handler section they came from, e.g. `handler_emailHandler`. */
  readonly handler: string;
  readonly host: string;
  /** The port when mailhost is a `('host', port)` tuple, else null. */
  readonly port: number | null;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly credentials: { readonly user: string; readonly password: string } | null;
  /** `secure=()`: Python's SMTPHandler then calls starttls(). */
  readonly starttls: boolean;
}

const SMTP_HANDLER_CLASSES = ["logging.handlers.SMTPHandler", "handlers.SMTPHandler"];
const ADDRESS = /^[^\s@<>,]+@[^\s@<>,]+$/;
const EXAMPLE_ARGS =
  "args=('smarthost.example.org', 'pytarchive@example.org', ['it@example.org'], 'pyarchive: Task failed')";

/**
 * Reads the SMTPHandler settings of a logging.conf. Null when the file does not exist or has
 * no SMTPHandler; a PytarchiveError (LOGGING_CONF_INVALID, or CONFIG_SYNTAX from the INI reader)
 * naming the file when it cannot be read as the original's.
 *
 * @example
 * const mail = await readLoggingConf("/etc/pytarchive/logging.conf");
 * mail?.to; // ["it@example.org"]
 */
export async function readLoggingConf(file: string): Promise<LoggingConfMail | null> {
  const text = await readLoggingConfText(file);
  return text === null ? null : parseLoggingConf(text, file);
}

/** The text of a logging.conf, or null when there is none. */
async function readLoggingConfText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new PytarchiveError(
      "LOGGING_CONF_INVALID",
      `Cannot read ${file}: ${(error as Error).message}`,
      {
        hint: "Make it readable by pytarchive, or set [SMTP] logging_conf = (empty) in pytarchive.conf to read none.",
        cause: error,
      },
    );
  }
}

/**
 * The SMTPHandler settings of logging.conf text; null when it has no SMTPHandler. Only the
 * handlers listed in `[handlers] keys` count when that section exists, as in Python.
 *
 * @example
 * parseLoggingConf("[handler_mail]\nclass=logging.handlers.SMTPHandler\nargs=('mx', 'a@b', 'c@d', 'Failed')\n", "logging.conf");
 * // { handler: "handler_mail", host: "mx", port: null, from: "a@b", to: ["c@d"], subject: "Failed", … }
 */
export function parseLoggingConf(text: string, source: string): LoggingConfMail | null {
  const section = firstHandler(parseIni(text, source), SMTP_HANDLER_CLASSES);
  return section === null ? null : readHandler(section, source);
}

/**
 * The first handler section of one of `classes`. Only the handlers listed in `[handlers] keys`
 * count when that section exists, as in Python.
 */
function firstHandler(document: IniDocument, classes: readonly string[]): IniSection | null {
  const listed = document.sections
    .get("handlers")
    ?.entries.get("keys")
    ?.value.split(",")
    .map((name) => name.trim());
  for (const section of document.sections.values()) {
    if (!section.name.startsWith("handler_")) continue;
    if (listed !== undefined && !listed.includes(section.name.slice("handler_".length))) continue;
    const handlerClass = section.entries.get("class")?.value.trim();
    if (handlerClass !== undefined && classes.includes(handlerClass)) return section;
  }
  return null;
}

/** The log file of the original's logging.conf: its RotatingFileHandler's arguments. */
export interface LoggingConfFile {
  /** The file read. */
  readonly source: string;
  /** The handler section they came from, e.g. `handler_rotatingFileHandler`. */
  readonly handler: string;
  /** The log file, e.g. /var/log/pytarchive.log. */
  readonly file: string;
  /** Size at which the file is rotated; 0: never (Python's meaning). */
  readonly maxBytes: number;
  /** How many rotated files (`.1` … `.N`) are kept. */
  readonly backupCount: number;
}

const ROTATING_HANDLER_CLASSES = [
  "logging.handlers.RotatingFileHandler",
  "handlers.RotatingFileHandler",
];
const ROTATING_EXAMPLE_ARGS = "args=('/var/log/pytarchive.log', 'a', 10485760, 5)";

/**
 * The RotatingFileHandler of logging.conf text (filename, mode, maxBytes, backupCount), or null
 * when it has none.
 *
 * @example
 * parseLoggingConfFile("[handler_f]\nclass=logging.handlers.RotatingFileHandler\nargs=('/var/log/pytarchive.log', 'a', 10485760, 5)\n", "logging.conf");
 * // { handler: "handler_f", file: "/var/log/pytarchive.log", maxBytes: 10485760, backupCount: 5, … }
 */
export function parseLoggingConfFile(text: string, source: string): LoggingConfFile | null {
  const section = firstHandler(parseIni(text, source), ROTATING_HANDLER_CLASSES);
  if (section === null) return null;
  const args = section.entries.get("args");
  const invalid = (problem: string): PytarchiveError =>
    new PytarchiveError(
      "LOGGING_CONF_INVALID",
      `${source}:${args?.line ?? section.line}: [${section.name}] ${problem}`,
      {
        hint: `pytarchive reads the RotatingFileHandler's file, size and count as the original wrote them: ${ROTATING_EXAMPLE_ARGS}. Correct the line, or set [Logging] file, max_bytes and backup_count in pytarchive.conf.`,
      },
    );
  if (args === undefined) throw invalid("has no args=(filename, mode, maxBytes, backupCount)");
  const value = argsValue(args.value, invalid);
  if (!Array.isArray(value) || value.length < 1) {
    throw invalid("args must be a tuple (filename[, mode[, maxBytes[, backupCount]]])");
  }
  const [file, , maxBytes = 0, backupCount = 0] = value as readonly PythonValue[];
  if (typeof file !== "string" || !file.startsWith("/")) {
    throw invalid(
      "filename (the 1st argument) must be an absolute path, e.g. '/var/log/pytarchive.log'",
    );
  }
  const wholeNumber = (candidate: PythonValue, what: string, most: number): number => {
    if (
      typeof candidate !== "number" ||
      !Number.isInteger(candidate) ||
      candidate < 0 ||
      candidate > most
    ) {
      throw invalid(`${what} must be a whole number from 0 to ${most}`);
    }
    return candidate;
  };
  return {
    source,
    handler: section.name,
    file,
    maxBytes: wholeNumber(maxBytes, "maxBytes (the 3rd argument)", Number.MAX_SAFE_INTEGER),
    backupCount: wholeNumber(backupCount, "backupCount (the 4th argument)", 1000),
  };
}

/**
 * Reads the RotatingFileHandler of a logging.conf. Null when the file does not exist or has none.
 *
 * @example
 * const rotating = await readLoggingConfFile("/etc/pytarchive/logging.conf");
 * rotating?.file; // "/var/log/pytarchive.log"
 */
export async function readLoggingConfFile(file: string): Promise<LoggingConfFile | null> {
  const text = await readLoggingConfText(file);
  return text === null ? null : parseLoggingConfFile(text, file);
}

function readHandler(section: IniSection, source: string): LoggingConfMail {
  const args = section.entries.get("args");
  const invalid = (problem: string, line = args?.line ?? section.line): PytarchiveError =>
    new PytarchiveError("LOGGING_CONF_INVALID", `${source}:${line}: [${section.name}] ${problem}`, {
      hint: `pytarchive reads the SMTPHandler's mail settings from it as the original wrote them: ${EXAMPLE_ARGS}. Correct the line, or set the mail settings in [SMTP] of pytarchive.conf and logging_conf = (empty).`,
    });
  if (args === undefined) {
    throw invalid(
      section.entries.has("kwargs")
        ? "has kwargs= but no args=; only args=(…) is read"
        : "has no args=(mailhost, fromaddr, toaddrs, subject)",
    );
  }
  const value = argsValue(args.value, invalid);
  if (!Array.isArray(value) || value.length < 4 || value.length > 7) {
    throw invalid(
      "args must be a tuple (mailhost, fromaddr, toaddrs, subject[, credentials[, secure[, timeout]]])",
    );
  }
  const [mailhost, fromaddr, toaddrs, subject, credentials = null, secure = null] =
    value as readonly PythonValue[];

  let host: string;
  let port: number | null = null;
  if (typeof mailhost === "string") {
    host = mailhost;
  } else if (
    Array.isArray(mailhost) &&
    mailhost.length === 2 &&
    typeof mailhost[0] === "string" &&
    typeof mailhost[1] === "number" &&
    Number.isInteger(mailhost[1]) &&
    mailhost[1] >= 1 &&
    mailhost[1] <= 65535
  ) {
    host = mailhost[0];
    port = mailhost[1];
  } else {
    throw invalid("mailhost (the 1st argument) must be 'host' or ('host', port)");
  }
  if (host.trim() === "") throw invalid("mailhost (the 1st argument) is empty");
  if (typeof fromaddr !== "string" || !ADDRESS.test(fromaddr.trim())) {
    throw invalid(
      "fromaddr (the 2nd argument) must be one e-mail address, e.g. 'pytarchive@example.org'",
    );
  }
  const recipients = typeof toaddrs === "string" ? [toaddrs] : toaddrs;
  if (
    !Array.isArray(recipients) ||
    recipients.length === 0 ||
    !recipients.every((address) => typeof address === "string" && ADDRESS.test(address.trim()))
  ) {
    throw invalid(
      "toaddrs (the 3rd argument) must be an e-mail address or a list of them, e.g. ['it@example.org']",
    );
  }
  if (typeof subject !== "string" || subject.trim() === "") {
    throw invalid("subject (the 4th argument) must be a text, e.g. 'pyarchive: Task failed'");
  }
  let login: LoggingConfMail["credentials"] = null;
  if (credentials !== null) {
    if (
      !Array.isArray(credentials) ||
      credentials.length !== 2 ||
      typeof credentials[0] !== "string" ||
      typeof credentials[1] !== "string"
    ) {
      throw invalid("credentials (the 5th argument) must be None or ('user', 'password')");
    }
    login = { user: credentials[0], password: credentials[1] };
  }
  if (secure !== null && !(Array.isArray(secure) && secure.length === 0)) {
    throw invalid(
      "secure (the 6th argument) must be None or () (STARTTLS); client certificate files are not supported",
    );
  }
  return {
    source,
    handler: section.name,
    host: host.trim(),
    port,
    from: fromaddr.trim(),
    to: (recipients as string[]).map((address) => address.trim()),
    subject: subject.trim(),
    credentials: login,
    starttls: secure !== null,
  };
}

/** The Python literal of a handler's `args=`, or the handler's own error when it is none. */
function argsValue(text: string, invalid: (problem: string) => PytarchiveError): PythonValue {
  try {
    return parsePythonLiteral(text);
  } catch (error) {
    if (!(error instanceof PythonLiteralError)) throw error;
    throw invalid(`args is not a Python tuple this reader understands: ${error.message}`);
  }
}
