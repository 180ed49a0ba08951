import fs from "node:fs";
import path from "node:path";
import { runSystemCommand } from "./system-command.ts";

/**
 * Mounts a medium (its image file, or the loop device a daemon already holds) on a temporary
 * folder under `runDir`, runs `body` on it and unmounts again. This is how the simulated tools
 * get at the medium without showing the user a mount: formatting, writing the index, ltfsck.
 * `noinit_itable` stops the kernel from zeroing inode tables in the background, which would
 * fill the sparse image of a large cartridge.
 */
export function withPrivateMount<T>(
  source: string,
  runDir: string,
  body: (root: string) => T,
  options: { readonly readOnly?: boolean } = {},
): T {
  fs.mkdirSync(runDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(runDir, "medium-"));
  const loop = fs.statSync(source).isBlockDevice() ? [] : ["loop"];
  const mountOptions = [options.readOnly ? "ro" : "rw", "noinit_itable", ...loop].join(",");
  try {
    runSystemCommand("mount", ["-t", "ext4", "-o", mountOptions, source, dir]);
  } catch (error) {
    fs.rmdirSync(dir);
    throw error;
  }
  try {
    return body(dir);
  } finally {
    unmountPrivate(dir);
  }
}

function unmountPrivate(dir: string): void {
  try {
    runSystemCommand("umount", [dir]);
  } catch {
    // Something still has a file open in there; let the kernel finish when it lets go.
    runSystemCommand("umount", ["--lazy", dir]);
  }
  fs.rmdirSync(dir);
}
