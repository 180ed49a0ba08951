import type { Stats } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { COMPRESSION_ERROR_CODES as CODES } from "./compression-errors.ts";

/**
 * Checks that `folder` is an absolute path to a real directory (not `/`, not a symbolic link)
 * and returns it without trailing slashes. Throws a PytarchiveError naming the problem.
 */
export async function checkFolderOrThrow(folder: string): Promise<string> {
  if (!path.isAbsolute(folder)) {
    throw new PytarchiveError(CODES.folderNotAbsolute, `"${folder}" is not an absolute path`, {
      hint: `Give the full path, e.g. ${path.resolve(folder)}`,
    });
  }
  const normalized = path.normalize(folder).replace(/\/+$/, "");
  if (normalized === "") {
    throw new PytarchiveError(CODES.folderNotAbsolute, "The root folder / cannot be prepared", {
      hint: "Prepare the project folder itself, e.g. /data/projects/alpha.",
    });
  }
  let stats: Stats;
  try {
    stats = await fs.lstat(normalized);
  } catch (error) {
    throw new PytarchiveError(CODES.folderNotFound, `${normalized} does not exist`, {
      hint: "Check the path; on a network share, check that it is mounted.",
      cause: error,
    });
  }
  if (stats.isSymbolicLink()) {
    const target = await fs.realpath(normalized).catch(() => null);
    throw new PytarchiveError(
      CODES.folderIsSymlink,
      `${normalized} is a symbolic link; only the link itself would be measured and packed`,
      {
        hint: target
          ? `Prepare the folder it points to: ${target}`
          : "It points nowhere; give the path of the real folder.",
      },
    );
  }
  if (!stats.isDirectory()) {
    throw new PytarchiveError(CODES.folderNotADirectory, `${normalized} is not a folder`, {
      hint: "prepare takes a folder; put single files into a folder first.",
    });
  }
  return normalized;
}
