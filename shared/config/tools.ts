import fs from "node:fs";
import path from "node:path";
import { type SettingsSource, settingError } from "./settings-source.ts";
import type { ToolPaths } from "./types.ts";
import { parseAbsolutePath, parseToolCommand } from "./values.ts";

/**
 * The command to run for each tool. A tool's own `[Tools]` key wins; otherwise, when
 * `[Tools] path` (or PYTARCHIVE_TOOLS_PATH) is set and holds an executable of that name, its
 * absolute path; otherwise the bare name, which the exec helper finds on PATH. This is how the
 * simulated library (or a site's wrappers) is put first without touching PATH.
 */
export function resolveTools(source: SettingsSource): ToolPaths {
  const folderSetting = source.read("Tools", "path");
  const folder = folderSetting
    ? parseAbsolutePath(folderSetting, "/var/lib/pytarchive/sim/bin")
    : null;
  if (folderSetting && folder !== null && !isDirectory(folder)) {
    // Refused rather than ignored: falling back to PATH would run the real tools instead.
    throw settingError(
      folderSetting,
      "is not an existing folder; expected the folder that holds the tools, e.g. /var/lib/pytarchive/sim/bin",
    );
  }
  const resolve = (tool: keyof ToolPaths): string => {
    const own = source.read("Tools", tool);
    if (own) return parseToolCommand(own);
    const candidate = folder === null ? null : path.join(folder, tool);
    return candidate !== null && isExecutableFile(candidate) ? candidate : tool;
  };
  return {
    mtx: resolve("mtx"),
    tapeinfo: resolve("tapeinfo"),
    mkltfs: resolve("mkltfs"),
    ltfs: resolve("ltfs"),
    ltfsck: resolve("ltfsck"),
    exportfs: resolve("exportfs"),
    fuser: resolve("fuser"),
    umount: resolve("umount"),
  };
}

function isDirectory(folder: string): boolean {
  try {
    return fs.statSync(folder).isDirectory();
  } catch {
    return false;
  }
}

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
