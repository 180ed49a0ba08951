import fs from "node:fs";
import path from "node:path";

/**
 * Writes an executable `/bin/sh` script `<dir>/<name>` with `body` and returns its path: a
 * stand-in for an external tool whose failures a test needs (a missing device, a taken port).
 */
export function writeShellScript(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}
