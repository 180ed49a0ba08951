import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { PytarchiveError } from "../../../shared/errors/index.ts";

/** A fresh folder under the OS temp folder; remove it with `removeTempDirs()`. */
const created: string[] = [];

export function makeTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pytarchive-config-"));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes `text` to `<new temp dir>/<name>` and returns the file's path. */
export function writeTempFile(text: string, name = "pytarchive.conf"): string {
  const file = path.join(makeTempDir(), name);
  fs.writeFileSync(file, text);
  return file;
}

/** Creates an executable script `<dir>/<name>`. */
export function writeExecutable(dir: string, name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  return file;
}

/** Runs `action`, expects a PytarchiveError, and returns it for assertions on code and text. */
export function errorFrom(action: () => unknown): PytarchiveError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(PytarchiveError);
    return error as PytarchiveError;
  }
  throw new Error("expected a PytarchiveError, but nothing was thrown");
}
