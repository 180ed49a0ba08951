import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  defaultConfig,
  parseConfig,
  redactConfig,
  SETTINGS,
} from "../../../shared/config/index.ts";
import { errorFrom } from "./config-test-helpers.ts";

const FILE = "/etc/pytarchive/pytarchive.conf";
const read = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfig(text, FILE, env);

describe("[SMTP], [Chat] and [Inventory] defaults", () => {
  it("send no mail and no chat, schedule nothing, and wait 10 s for a subfolder", () => {
    const config = defaultConfig({});
    expect(config.smtp).toEqual({
      host: null,
      port: 25,
      secure: false,
      starttls: false,
      user: null,
      password: null,
      from: null,
      admins: [],
      subjectPrefix: "pytarchive",
      loggingConf: "/etc/pytarchive/logging.conf",
    });
    expect(config.chat).toEqual({ webhookUrl: null, username: "pytarchive" });
    expect(config.inventory).toEqual({ schedule: null, probeTimeoutSeconds: 10 });
  });
});

describe("values", () => {
  it("reads every key", () => {
    const config = read(
      [
        "[SMTP]",
        "host = smarthost.example.org",
        "port = 587",
        "starttls = yes",
        "user = pytarchive",
        "password = pa%%ss word",
        "from = Tape archive <tapes@example.org>",
        "admins = it@example.org,",
        "    backup@example.org",
        "subject_prefix = [tapes]",
        "logging_conf = /srv/pytarchive/logging.conf",
        "[Chat]",
        "webhook_url = https://chat.example.org/hooks/abc123",
        "username = tape-robot",
        "[Inventory]",
        "schedule = 0  6 * * mon   # Mondays at six",
        "probe_timeout = 2.5",
      ].join("\n"),
    );
    expect(config.smtp).toEqual({
      host: "smarthost.example.org",
      port: 587,
      secure: false,
      starttls: true,
      user: "pytarchive",
      password: "pa%ss word",
      from: "Tape archive <tapes@example.org>",
      admins: ["it@example.org", "backup@example.org"],
      subjectPrefix: "[tapes]",
      loggingConf: "/srv/pytarchive/logging.conf",
    });
    expect(config.chat).toEqual({
      webhookUrl: "https://chat.example.org/hooks/abc123",
      username: "tape-robot",
    });
    expect(config.inventory).toEqual({ schedule: "0 6 * * mon", probeTimeoutSeconds: 2.5 });
  });

  it("defaults the port to 465 with secure, and reads an empty logging_conf as none", () => {
    const config = read("[SMTP]\nhost = 10.0.0.25\nsecure = on\nlogging_conf =\n");
    expect(config.smtp).toMatchObject({ host: "10.0.0.25", port: 465, secure: true });
    expect(config.smtp.loggingConf).toBeNull();
    expect(read("[SMTP]\nsecure = true\nport = 2465\n").smtp.port).toBe(2465);
  });

  it("reads empty host, webhook and schedule as none", () => {
    const config = read("[SMTP]\nhost =\n[Chat]\nwebhook_url =\n[Inventory]\nschedule =\n");
    expect(config.smtp.host).toBeNull();
    expect(config.chat.webhookUrl).toBeNull();
    expect(config.inventory.schedule).toBeNull();
  });
});

describe("environment variables", () => {
  it("override host, port, login, admins and webhook", () => {
    const config = read("[SMTP]\nhost = file.example.org\nport = 25\n", {
      PYTARCHIVE_SMTP_HOST: "env.example.org",
      PYTARCHIVE_SMTP_PORT: "2525",
      PYTARCHIVE_SMTP_USER: "env-user",
      PYTARCHIVE_SMTP_PASSWORD: "env-secret",
      PYTARCHIVE_SMTP_ADMINS: "a@example.org, b@example.org",
      PYTARCHIVE_CHAT_WEBHOOK_URL: "https://chat.example.org/hooks/env",
    });
    expect(config.smtp).toMatchObject({
      host: "env.example.org",
      port: 2525,
      user: "env-user",
      password: "env-secret",
      admins: ["a@example.org", "b@example.org"],
    });
    expect(config.chat.webhookUrl).toBe("https://chat.example.org/hooks/env");
  });

  it("are checked like the keys they replace, and their errors name the variable", () => {
    const error = errorFrom(() => defaultConfig({ PYTARCHIVE_SMTP_PORT: "smtp" }));
    expect(error.message).toBe(
      'environment variable PYTARCHIVE_SMTP_PORT = "smtp" (overrides [SMTP] port): expected a TCP port from 1 to 65535, e.g. 8631',
    );
    expect(error.hint).toBe("Correct or unset PYTARCHIVE_SMTP_PORT.");
  });
});

describe("bad values are refused with what a good one looks like", () => {
  const refusal = (text: string) => errorFrom(() => read(text));

  it("a port out of range", () => {
    const error = refusal("[SMTP]\nport = 0\n");
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe(
      `${FILE}: [SMTP] port = "0": expected a TCP port from 1 to 65535, e.g. 8631`,
    );
    expect(error.hint).toBe(`The value is on line 2 of ${FILE}.`);
    expect(refusal("[SMTP]\nport = 99999\n").message).toContain('port = "99999"');
  });

  it("a host with a port, a bad boolean, secure with starttls", () => {
    expect(refusal("[SMTP]\nhost = smarthost:587\n").message).toBe(
      `${FILE}: [SMTP] host = "smarthost:587": expected the SMTP server's host name or address without a port, e.g. smarthost.example.org (the port is [SMTP] port)`,
    );
    expect(refusal("[SMTP]\nstarttls = sometimes\n").message).toBe(
      `${FILE}: [SMTP] starttls = "sometimes": expected true or false (also yes/no, on/off, 1/0)`,
    );
    const both = refusal("[SMTP]\nsecure = true\nstarttls = true\n");
    expect(both.message).toBe(
      `${FILE}: [SMTP] (line 1): secure and starttls are both true; a connection uses TLS from the start (secure, port 465) or upgrades with STARTTLS (starttls, port 587), not both`,
    );
  });

  it("addresses that are not addresses, and a relative logging_conf", () => {
    expect(refusal("[SMTP]\nadmins = it@example.org; ops\n").message).toBe(
      `${FILE}: [SMTP] admins = "it@example.org; ops": "it@example.org; ops" is not an e-mail address; expected addresses separated by commas, e.g. it@example.org, backup@example.org`,
    );
    expect(refusal("[SMTP]\nfrom = pytarchive\n").message).toBe(
      `${FILE}: [SMTP] from = "pytarchive": expected one sender address, e.g. pytarchive@example.org or Tape archive <tapes@example.org>`,
    );
    expect(refusal("[SMTP]\nlogging_conf = logging.conf\n").message).toBe(
      `${FILE}: [SMTP] logging_conf = "logging.conf": is not an absolute path; expected e.g. /etc/pytarchive/logging.conf, or nothing to read none`,
    );
  });

  it("a webhook that is not an http(s) URL", () => {
    const error = refusal("[Chat]\nwebhook_url = hooks.slack.com/services/T0/B0/x\n");
    expect(error.message).toBe(
      `${FILE}: [Chat] webhook_url = "hooks.slack.com/services/T0/B0/x": expected the http or https URL of an incoming webhook, e.g. https://chat.example.org/hooks/xxxxxxxx`,
    );
    expect(error.hint).toBe(
      `Slack and Mattermost show it when an incoming webhook is created. The value is on line 2 of ${FILE}.`,
    );
    expect(refusal("[Chat]\nwebhook_url = ftp://chat.example.org/hooks/x\n").code).toBe(
      "CONFIG_INVALID",
    );
  });

  it("a cron expression that is not 5 valid fields, or never fires", () => {
    expect(refusal("[Inventory]\nschedule = 61 6 * * *\n").message).toBe(
      `${FILE}: [Inventory] schedule = "61 6 * * *": is not a valid cron expression (Invalid value for minute: 61); expected e.g. 0 6 * * 1 (Mondays at 06:00)`,
    );
    expect(refusal("[Inventory]\nschedule = 0 0 6 * * *\n").message).toBe(
      `${FILE}: [Inventory] schedule = "0 0 6 * * *": has 6 fields; expected a cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. 0 6 * * 1 (Mondays at 06:00)`,
    );
    expect(refusal("[Inventory]\nschedule = weekly\n").message).toContain("has 1 field;");
    expect(refusal("[Inventory]\nschedule = 0 0 31 2 *\n").message).toBe(
      `${FILE}: [Inventory] schedule = "0 0 31 2 *": never matches a date (e.g. 31 February); expected a schedule such as 0 6 * * 1 (Mondays at 06:00)`,
    );
  });

  it("a probe timeout of 0 or words", () => {
    expect(refusal("[Inventory]\nprobe_timeout = 0\n").message).toBe(
      `${FILE}: [Inventory] probe_timeout = "0": expected a number of seconds above 0 and at most 3600, e.g. 10`,
    );
    expect(refusal("[Inventory]\nprobe_timeout = ten\n").code).toBe("CONFIG_INVALID");
  });

  it("an unknown key, pointing to the right one", () => {
    expect(refusal("[SMTP]\nadmin = it@example.org\n").message).toBe(
      `${FILE}: [SMTP] admin (line 2): unknown key; did you mean admins?`,
    );
    expect(refusal("[Chat]\nport = 25\n").message).toBe(
      `${FILE}: [Chat] port (line 2): unknown key; port belongs in [HTTP] or [SMTP]`,
    );
  });
});

describe("the SMTP password", () => {
  it("is never shown: not in the printable configuration, not in an error about it", () => {
    const config = read(
      "[SMTP]\nuser = pytarchive\npassword = s3cret\n[Chat]\nwebhook_url = https://chat.example.org/hooks/t0ken\n[NATS]\nurl = nats://ops:natspw@nats.example.org:4222\n",
    );
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).toContain('"password":"***"');
    expect(printed).toContain('"webhookUrl":"https://chat.example.org/***"');
    expect(printed).toContain("nats://ops:***@nats.example.org:4222");
    for (const secret of ["s3cret", "t0ken", "natspw"]) expect(printed).not.toContain(secret);
    // The configuration itself keeps the values: the notifier needs them.
    expect(config.smtp.password).toBe("s3cret");
    expect(redactConfig(defaultConfig({})).smtp.password).toBeNull();

    // configparser reads "%" as a reference; the error about it must not quote the password.
    const error = errorFrom(() => read("[SMTP]\npassword = 50%off\n"));
    expect(error.code).toBe("CONFIG_SYNTAX");
    expect(error.message).toBe(
      `${FILE}:2: [SMTP] password = "***": a lone "%": configparser reads % as the start of a %(name)s reference`,
    );
    expect(`${error.message} ${error.hint}`).not.toContain("50%off");
  });
});

describe("docs/configuration.md", () => {
  it("has a mail and chat example that reads as it says", () => {
    const doc = fs.readFileSync(
      path.join(import.meta.dirname, "../../../docs/configuration.md"),
      "utf8",
    );
    const section = doc.slice(doc.indexOf("## Mail and chat"));
    const blocks = [...section.matchAll(/```ini\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
    const config = read(blocks[1] ?? "");
    expect(config.smtp).toMatchObject({
      host: "smarthost.example.org",
      port: 587,
      starttls: true,
      user: "pytarchive",
      password: "the password",
      admins: ["it@example.org", "backup@example.org"],
    });
    expect(config.inventory.schedule).toBe("0 6 * * 1");
    expect(SETTINGS.filter((setting) => setting.section === "SMTP")).toHaveLength(10);
  });
});
