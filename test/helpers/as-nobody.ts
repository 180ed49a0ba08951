/**
 * Runs a test's commands as a user without privileges, the way an operator's unreadable folders
 * look to pytarchive: as nobody (uid 65534) when the tests run as root (root reads everything),
 * else as this user. Nothing run that way may need the checkout, whose parent folders nobody may
 * not enter (a clone in a mode-700 folder): the fixtures live in a fresh folder under the
 * system's temporary folder, and a TypeScript script runs there as one bundled file.
 *
 * @example
 * const folder = await folderNobodyCanEnter("pyt-measure-");
 * const script = await bundledForNobody(new URL("./print-measurement.ts", import.meta.url), folder);
 * const result = await runUnprivileged(folder, process.execPath, [script, target]);
 */
import { chmod, mkdir, mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type CommandResult, runCommand } from "../../shared/exec/index.ts";

const NOBODY = 65534;

/** True when commands run as nobody (the tests run as root). */
export const RUNS_AS_NOBODY = process.getuid?.() === 0;

/**
 * A new folder under the system's temporary folder that every user can enter: its own mode is
 * 755 and every folder above it lets others through.
 */
export async function folderNobodyCanEnter(prefix: string): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(folder, 0o755);
  await expectOthersCanEnter(folder, "set TMPDIR to a folder every user can enter");
  return folder;
}

/**
 * Bundles a TypeScript script with everything it imports into `<folder>/bin/<name>.mjs`, which
 * node runs without tsx, node_modules or the checkout. Returns the bundle's path.
 */
export async function bundledForNobody(script: URL, folder: string): Promise<string> {
  const binFolder = path.join(folder, "bin");
  await mkdir(binFolder, { recursive: true, mode: 0o755 });
  const outfile = path.join(binFolder, `${path.basename(script.pathname, ".ts")}.mjs`);
  await build({
    entryPoints: [fileURLToPath(script)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
  });
  await chmod(outfile, 0o644);
  await expectOthersCanEnter(process.execPath, "run the tests with a node every user can run");
  return outfile;
}

/** Runs `command` in `cwd` as nobody when the tests run as root, else as this user. */
export function runUnprivileged(
  cwd: string,
  command: string,
  args: readonly string[],
): Promise<CommandResult> {
  if (!RUNS_AS_NOBODY) return runCommand(command, args, { cwd });
  return runCommand(
    "setpriv",
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", command, ...args],
    { cwd },
  );
}

/** Fails the test at once, saying which folder keeps nobody out, instead of a puzzling result. */
async function expectOthersCanEnter(target: string, advice: string): Promise<void> {
  for (let folder = path.dirname(target); ; folder = path.dirname(folder)) {
    const { mode } = await stat(folder);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `Other users cannot enter ${folder} (mode ${(mode & 0o777).toString(8)}), so nobody cannot reach ${target}: ${advice}.`,
      );
    }
    if (folder === path.dirname(folder)) return;
  }
}
