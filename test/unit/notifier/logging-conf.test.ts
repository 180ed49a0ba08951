import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveMailSettings } from "../../../services/notifier/index.ts";
import {
  type LoggingConfMail,
  parseConfig,
  parseLoggingConf,
  parseLoggingConfFile,
  parsePythonLiteral,
  readLoggingConf,
} from "../../../shared/config/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";

// /etc/pytarchive/logging.conf from the original README's setup playbook, byte for byte (the
// trailing space after "logging.conf" included).
const ORIGINAL = [
  "# logging.conf ",
  "[loggers]",
  "keys=root",
  "",
  "[handlers]",
  "keys=rotatingFileHandler, emailHandler",
  "",
  "[formatters]",
  "keys=defaultFormatter",
  "",
  "[logger_root]",
  "level=INFO",
  "handlers=rotatingFileHandler, emailHandler",
  "",
  "[handler_consoleHandler]",
  "class=StreamHandler",
  "level=DEBUG",
  "formatter=defaultFormatter",
  "args=(sys.stdout,)",
  "",
  "[handler_rotatingFileHandler]",
  "class=logging.handlers.RotatingFileHandler",
  "level=INFO",
  "formatter=defaultFormatter",
  "args=('/var/log/pytarchive.log', 'a', 10485760, 5)",
  "",
  "[handler_emailHandler]",
  "class=logging.handlers.SMTPHandler",
  "level=CRITICAL",
  "formatter=defaultFormatter",
  "args=('smarthost.example.org', 'pytarchive@example.org', ['it@example.org'], 'pyarchive: Task failed')",
  "",
  "[formatter_defaultFormatter]",
  "format=%(asctime)s - %(name)s - %(levelname)s - %(message)s",
  "datefmt=%Y-%m-%d %H:%M:%S",
  "",
].join("\n");

const FILE = "/etc/pytarchive/logging.conf";
const created: string[] = [];

afterEach(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The original file with its emailHandler's args line replaced. */
function withArgs(args: string): string {
  return ORIGINAL.replace(/^args=\('smarthost.*$/m, `args=${args}`);
}

function refusal(text: string): PytarchiveError {
  try {
    parseLoggingConf(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(PytarchiveError);
    return error as PytarchiveError;
  }
  throw new Error("the logging.conf was accepted");
}

describe("the original's logging.conf", () => {
  it("gives the mail host, sender, recipient and subject of its SMTPHandler", () => {
    expect(parseLoggingConf(ORIGINAL, FILE)).toEqual({
      source: FILE,
      handler: "handler_emailHandler",
      host: "smarthost.example.org",
      port: null,
      from: "pytarchive@example.org",
      to: ["it@example.org"],
      subject: "pyarchive: Task failed",
      credentials: null,
      starttls: false,
    });
  });

  it("makes the notifier mail the same people through the same server as the original did", () => {
    const smtp = parseConfig("", "pytarchive.conf", {}).smtp;
    expect(resolveMailSettings(smtp, parseLoggingConf(ORIGINAL, FILE), "archive-host")).toEqual({
      host: "smarthost.example.org",
      port: 25,
      secure: false,
      starttls: false,
      auth: null,
      from: "pytarchive@example.org",
      admins: ["it@example.org"],
      failureSubject: "pyarchive: Task failed",
      hostFrom: "logging.conf",
    });
  });

  it("is read from its file, and a missing file is no error", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-logging-conf-"));
    created.push(dir);
    const file = path.join(dir, "logging.conf");
    expect(await readLoggingConf(file)).toBeNull();
    fs.writeFileSync(file, ORIGINAL);
    expect((await readLoggingConf(file))?.source).toBe(file);
  });
});

describe("variants of the SMTPHandler's args", () => {
  const read = (args: string): LoggingConfMail | null => parseLoggingConf(withArgs(args), FILE);

  it("reads a ('host', port) mail host, a single recipient string and double quotes", () => {
    expect(
      read(
        `(("mail.example.org", 587), "pytarchive@example.org", "it@example.org", "Task failed")`,
      ),
    ).toMatchObject({
      host: "mail.example.org",
      port: 587,
      to: ["it@example.org"],
      subject: "Task failed",
    });
  });

  it("reads a tuple of recipients, a trailing comma, line continuations and escapes", () => {
    const text = ORIGINAL.replace(
      /^args=\('smarthost.*$/m,
      [
        "args=('smarthost.example.org',",
        "    'pytarchive@example.org',",
        "    ('it@example.org', 'backup@example.org',),",
        "    'pyarchive: Task \\'failed\\'',)",
      ].join("\n"),
    );
    expect(parseLoggingConf(text, FILE)).toMatchObject({
      to: ["it@example.org", "backup@example.org"],
      subject: "pyarchive: Task 'failed'",
    });
  });

  it("reads credentials and secure=() (STARTTLS), and a timeout", () => {
    const mail = read(
      "(('smarthost.example.org', 587), 'pytarchive@example.org', ['it@example.org'], 'Task failed', ('pytarchive', 's3cret'), (), 10.0)",
    );
    expect(mail).toMatchObject({ credentials: { user: "pytarchive", password: "s3cret" } });
    expect(mail?.starttls).toBe(true);
    expect(read("('mx', 'a@example.org', 'b@example.org', 'x', None, None)")).toMatchObject({
      credentials: null,
      starttls: false,
    });
  });

  it("accepts the class written as handlers.SMTPHandler", () => {
    const text = ORIGINAL.replace(
      "class=logging.handlers.SMTPHandler",
      "class=handlers.SMTPHandler",
    );
    expect(parseLoggingConf(text, FILE)?.host).toBe("smarthost.example.org");
  });

  it("is null without an SMTPHandler, or when [handlers] does not list it", () => {
    expect(
      parseLoggingConf(
        ORIGINAL.replace("class=logging.handlers.SMTPHandler", "class=StreamHandler"),
        FILE,
      ),
    ).toBeNull();
    expect(
      parseLoggingConf(
        ORIGINAL.replace("keys=rotatingFileHandler, emailHandler", "keys=rotatingFileHandler"),
        FILE,
      ),
    ).toBeNull();
  });
});

describe("a logging.conf the notifier cannot read", () => {
  const HINT_START =
    "pytarchive reads the SMTPHandler's mail settings from it as the original wrote them: args=('smarthost.example.org', 'pytarchive@example.org', ['it@example.org'], 'pyarchive: Task failed').";

  it("refuses an expression that is not a literal, naming file, line and column", () => {
    const error = refusal(withArgs("(SMARTHOST, 'a@example.org', ['b@example.org'], 'x')"));
    expect(error.code).toBe("LOGGING_CONF_INVALID");
    expect(error.message).toBe(
      `${FILE}:31: [handler_emailHandler] args is not a Python tuple this reader understands: unexpected "SMARTHOST" (only strings, numbers, None, True, False, tuples and lists are read) at column 2`,
    );
    expect(error.hint).toContain(HINT_START);
  });

  it("refuses a string that is never closed and a list that is never closed", () => {
    expect(refusal(withArgs("('smarthost.example.org, 'a@example.org')")).message).toContain(
      'args is not a Python tuple this reader understands: expected "," or ")" at column 27',
    );
    expect(refusal(withArgs("('mx', 'a@example.org', ['b@example.org', 'x')")).message).toContain(
      'expected "," or "]" at column 46',
    );
    expect(refusal(withArgs("('mx', 'a@example.org")).message).toContain(
      "the string started here is never closed at column 8",
    );
  });

  it("refuses arguments of the wrong shape, saying which", () => {
    expect(refusal(withArgs("('mx', 'a@example.org', ['b@example.org'])")).message).toBe(
      `${FILE}:31: [handler_emailHandler] args must be a tuple (mailhost, fromaddr, toaddrs, subject[, credentials[, secure[, timeout]]])`,
    );
    expect(
      refusal(withArgs("(('mx', 'smtp'), 'a@example.org', 'b@example.org', 'x')")).message,
    ).toContain("mailhost (the 1st argument) must be 'host' or ('host', port)");
    expect(
      refusal(withArgs("(('mx', 70000), 'a@example.org', 'b@example.org', 'x')")).message,
    ).toContain("mailhost (the 1st argument) must be 'host' or ('host', port)");
    expect(refusal(withArgs("('mx', 'pytarchive', 'b@example.org', 'x')")).message).toContain(
      "fromaddr (the 2nd argument) must be one e-mail address",
    );
    expect(refusal(withArgs("('mx', 'a@example.org', [], 'x')")).message).toContain(
      "toaddrs (the 3rd argument) must be an e-mail address or a list of them",
    );
    expect(
      refusal(withArgs("('mx', 'a@example.org', 'b@example.org', 'x', 'user')")).message,
    ).toContain("credentials (the 5th argument) must be None or ('user', 'password')");
    expect(
      refusal(withArgs("('mx', 'a@example.org', 'b@example.org', 'x', None, ('key.pem',))"))
        .message,
    ).toContain("client certificate files are not supported");
  });

  it("refuses kwargs= without args=", () => {
    const text = ORIGINAL.replace(/^args=\('smarthost.*$/m, "kwargs={'mailhost': 'mx'}");
    expect(refusal(text).message).toBe(
      `${FILE}:27: [handler_emailHandler] has kwargs= but no args=; only args=(…) is read`,
    );
  });

  it("passes on the INI reader's syntax errors, which name the file and line", () => {
    const error = refusal(`${ORIGINAL}[handler_emailHandler]\nclass=StreamHandler\n`);
    expect(error.code).toBe("CONFIG_SYNTAX");
    expect(error.message).toBe(
      `${FILE}:36: section [handler_emailHandler] appears a second time (first at line 27)`,
    );
  });
});

describe("the Python literal reader", () => {
  it("reads strings, numbers, None, booleans, tuples and lists", () => {
    expect(
      parsePythonLiteral("('a', \"b\", 1, -2.5, 1_000, None, True, False, [], (), ('x',), ('y'))"),
    ).toEqual(["a", "b", 1, -2.5, 1000, null, true, false, [], [], ["x"], "y"]);
    expect(parsePythonLiteral("r'C:\\logs'")).toBe("C:\\logs");
    expect(parsePythonLiteral("'tab\\there'")).toBe("tab\there");
  });

  it("refuses what only eval() could read", () => {
    for (const text of ["(sys.stdout,)", "{'a': 1}", "open('x')", "('a' 'b')", "1 + 1", ""]) {
      expect(() => parsePythonLiteral(text), text).toThrow(/at column \d+$/);
    }
  });
});

describe("the RotatingFileHandler of logging.conf", () => {
  it("gives the original's log file, size and count", () => {
    expect(parseLoggingConfFile(ORIGINAL, FILE)).toEqual({
      source: FILE,
      handler: "handler_rotatingFileHandler",
      file: "/var/log/pytarchive.log",
      maxBytes: 10485760,
      backupCount: 5,
    });
  });

  it("refuses a relative file or a negative size, naming the line", () => {
    const broken = ORIGINAL.replace(
      "args=('/var/log/pytarchive.log', 'a', 10485760, 5)",
      "args=('pytarchive.log', 'a', -1, 5)",
    );
    expect(() => parseLoggingConfFile(broken, FILE)).toThrow(
      expect.objectContaining({
        code: "LOGGING_CONF_INVALID",
        message: expect.stringMatching(
          /^\/etc\/pytarchive\/logging\.conf:25: \[handler_rotatingFileHandler\] filename/,
        ),
      }),
    );
  });
});
