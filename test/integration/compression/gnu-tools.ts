import { type CommandResult, expectExit, runCommand } from "../../../shared/exec/index.ts";

/** The reference the engine is held to: the first number `du -s` prints (KiB). */
export function kibFromDu(result: CommandResult): number {
  const match = /^(\d+)\t/.exec(result.stdout);
  if (!match?.[1]) throw new Error(`du printed no size: ${result.stdout}${result.stderr}`);
  return Number(match[1]);
}

/** `du -s FOLDER` as GNU coreutils prints it, in KiB. */
export async function duKiB(folder: string): Promise<number> {
  return kibFromDu(expectExit(await runCommand("du", ["-s", folder])));
}

/** Entries of each kind under (and including) `folder`, counted by `find -printf %y`. */
export async function findCounts(folder: string): Promise<{
  fileCount: number;
  directoryCount: number;
  symlinkCount: number;
  otherCount: number;
}> {
  const types = expectExit(await runCommand("find", [folder, "-printf", "%y"])).stdout;
  const count = (type: string) => [...types].filter((letter) => letter === type).length;
  return {
    fileCount: count("f"),
    directoryCount: count("d"),
    symlinkCount: count("l"),
    otherCount: types.length - count("f") - count("d") - count("l"),
  };
}

/** Unpacks an archive into `target` with GNU tar (it recognises gzip and zstd by itself). */
export async function extractArchive(archive: string, target: string): Promise<void> {
  expectExit(
    await runCommand("tar", [
      "--extract",
      `--file=${archive}`,
      `--directory=${target}`,
      "--numeric-owner",
      "--same-permissions",
    ]),
  );
}
