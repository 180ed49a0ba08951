import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCredentialsFile, redactUrl } from "../../../shared/nats/index.ts";

const folder = mkdtempSync(join(tmpdir(), "pyt-creds-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, text: string, mode = 0o600): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

describe("readCredentialsFile", () => {
  it("reads user and password, ignoring comments and blank lines, keeping '=' and '#' in the password", () => {
    const path = file(
      "ok.cred",
      "# pytarchive operator\n\n; also a comment\nuser = operator\npassword =  a=b #c \n",
    );
    expect(readCredentialsFile(path)).toEqual({ user: "operator", password: "a=b #c" });
  });

  it.each([
    [0o640, "0640"],
    [0o604, "0604"],
    [0o620, "0620"],
  ])("refuses a file with mode %o that others can access", (mode, shown) => {
    const path = file(`open-${shown}.cred`, "user = a\npassword = b\n", mode);
    expect(() => readCredentialsFile(path)).toThrowError(
      expect.objectContaining({
        code: "NATS_CREDENTIALS_TOO_OPEN",
        message: `The NATS credentials file ${path} can be accessed by other users (mode ${shown}); it holds a password.`,
        hint: `Restrict it to its owner: chmod 600 ${path}`,
      }),
    );
  });

  it("accepts a file readable by its owner only (0400)", () => {
    const path = file("readonly.cred", "user = a\npassword = b\n", 0o400);
    expect(readCredentialsFile(path)).toEqual({ user: "a", password: "b" });
  });

  it("says which key is missing", () => {
    const path = file("nopass.cred", "user = operator\n");
    expect(() => readCredentialsFile(path)).toThrowError(
      expect.objectContaining({
        code: "NATS_CREDENTIALS_INVALID",
        message: `The NATS credentials file ${path} has no password.`,
      }),
    );
  });

  it("says which line is not key = value", () => {
    const path = file("bad.cred", "user = operator\noperator-password\n");
    expect(() => readCredentialsFile(path)).toThrowError(
      expect.objectContaining({
        code: "NATS_CREDENTIALS_INVALID",
        message: `Line 2 of the NATS credentials file ${path} is not "key = value".`,
      }),
    );
  });

  it("says a missing file cannot be read", () => {
    const path = join(folder, "missing.cred");
    expect(() => readCredentialsFile(path)).toThrowError(
      expect.objectContaining({
        code: "NATS_CREDENTIALS_UNREADABLE",
        message: expect.stringContaining(
          `The NATS credentials file ${path} cannot be read: ENOENT`,
        ),
      }),
    );
  });
});

describe("redactUrl", () => {
  it("hides a password but keeps the user, host and port", () => {
    expect(redactUrl("nats://ops:secret@nats1.example.org:4222")).toBe(
      "nats://ops:***@nats1.example.org:4222",
    );
  });

  it("hides a token given as the user part", () => {
    expect(redactUrl("tls://s3cr3tt0ken@nats1:4222")).toBe("tls://***@nats1:4222");
  });

  it("leaves a URL without credentials alone", () => {
    expect(redactUrl("nats://127.0.0.1:4222")).toBe("nats://127.0.0.1:4222");
  });

  it("hides the password of every node of a cluster's list", () => {
    expect(redactUrl("nats://ops:one@n1:4222,nats://ops:two@n2:4222,n3:4222")).toBe(
      "nats://ops:***@n1:4222,nats://ops:***@n2:4222,n3:4222",
    );
  });
});
