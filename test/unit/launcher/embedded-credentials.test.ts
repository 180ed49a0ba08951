import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureEmbeddedCredentials } from "../../../services/launcher/embedded-credentials.ts";
import { embeddedLayout } from "../../../services/launcher/embedded-layout.ts";
import { NATS_USERS } from "../../../shared/nats/nats-users.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function freshLayout() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-credentials-"));
  dirs.push(dir);
  return embeddedLayout(dir);
}

describe("the embedded NATS credentials", () => {
  it("keeps every user's password across starts", () => {
    const layout = freshLayout();
    const first = ensureEmbeddedCredentials(layout);
    expect(Object.keys(first).sort()).toEqual([...NATS_USERS].sort());
    expect(ensureEmbeddedCredentials(layout)).toEqual(first);
  });

  it("refuses a credentials file that holds another user's (EMBEDDED_CREDENTIALS_MISMATCH)", () => {
    const layout = freshLayout();
    ensureEmbeddedCredentials(layout);
    const [first, second] = NATS_USERS;
    const swapped = layout.credentialsFile(second);
    fs.copyFileSync(layout.credentialsFile(first), swapped);
    expect(() => ensureEmbeddedCredentials(layout)).toThrow(
      expect.objectContaining({
        code: "EMBEDDED_CREDENTIALS_MISMATCH",
        message: `${swapped} holds the credentials of user "${first}", not "${second}".`,
        hint: `Delete ${swapped}; the next \`npm start\` writes a new one.`,
      }),
    );
  });
});
