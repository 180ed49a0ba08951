import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  embeddedClientFile,
  readEmbeddedClientSettings,
} from "../../../shared/nats/embedded-client.ts";

/* What the CLI says when the file `npm start` writes for it is there but of no use. */

const dirs: string[] = [];
function stateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-embedded-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the embedded client file", () => {
  it("is simply absent before `npm start` ran", () => {
    expect(readEmbeddedClientSettings(stateDir())).toBeNull();
  });

  it("is EMBEDDED_CLIENT_INVALID when it is not what `npm start` writes", () => {
    const dir = stateDir();
    fs.writeFileSync(embeddedClientFile(dir), '{"natsUrl": 42}');
    expect(() => readEmbeddedClientSettings(dir)).toThrow(
      expect.objectContaining({
        code: "EMBEDDED_CLIENT_INVALID",
        hint: `Restart pytarchive with \`npm start\`; it rewrites ${embeddedClientFile(dir)}.`,
      }),
    );
  });

  it("is EMBEDDED_CLIENT_UNREADABLE when it cannot be read", () => {
    const dir = stateDir();
    fs.mkdirSync(embeddedClientFile(dir));
    expect(() => readEmbeddedClientSettings(dir)).toThrow(
      expect.objectContaining({
        code: "EMBEDDED_CLIENT_UNREADABLE",
        message: expect.stringContaining(`${embeddedClientFile(dir)} cannot be read`),
      }),
    );
  });
});
