import { TIMED_OUT, withinTime } from "../../shared/concurrency/index.ts";
import { runCommand } from "../../shared/exec/index.ts";
import { messageOf } from "../../shared/format/index.ts";

/** What a bounded look at a path found. */
export type PathProbe =
  | { readonly kind: "folder" }
  | { readonly kind: "other" }
  | { readonly kind: "missing" }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "error"; readonly reason: string };

/**
 * Looks at `path` (following symlinks), giving up after `timeoutMs`. The look is a `stat`
 * child process, not a call in this process: a call on a hung NFS mount never returns and holds
 * one of libuv's four worker threads for good — four of them would stall every file access of
 * every service in the process. A stuck child process costs only a process entry.
 *
 * @example
 * await probePath("/srv/projects/alpha", 2000); // { kind: "folder" }
 */
export async function probePath(path: string, timeoutMs: number): Promise<PathProbe> {
  try {
    const found = await withinTime(
      // %f: the raw mode in hex; C locale: messages to match whatever the system's language.
      (signal) =>
        runCommand("stat", ["-L", "--format=%f", "--", path], { signal, env: { LC_ALL: "C" } }),
      timeoutMs,
    );
    if (found === TIMED_OUT) return { kind: "timeout", timeoutMs };
    if (found.exitCode === 0) {
      const mode = Number.parseInt(found.stdout.trim(), 16);
      return (mode & 0o170000) === 0o040000 ? { kind: "folder" } : { kind: "other" };
    }
    const reason = found.stderr.trim().split("\n").at(-1) ?? "";
    if (/No such file or directory|Not a directory/.test(reason)) return { kind: "missing" };
    return failedLook("stat", reason, found.exitCode);
  } catch (error) {
    return { kind: "error", reason: messageOf(error) };
  }
}

/**
 * The path with its existing part's symlinks and `.`/`..` resolved (`realpath -m`: the missing
 * rest is kept as given), in a bounded child process for the same reason as probePath.
 *
 * @example
 * await probeRealPath("/srv/link-to-a/new", 2000); // { kind: "resolved", path: "/srv/a/new" }
 */
export async function probeRealPath(
  path: string,
  timeoutMs: number,
): Promise<
  { kind: "resolved"; path: string } | Exclude<PathProbe, { kind: "folder" | "other" | "missing" }>
> {
  try {
    const found = await withinTime(
      (signal) =>
        runCommand("realpath", ["-m", "-z", "--", path], { signal, env: { LC_ALL: "C" } }),
      timeoutMs,
    );
    if (found === TIMED_OUT) return { kind: "timeout", timeoutMs };
    // -z ends the path with NUL, not a newline: a name may end with a newline itself.
    if (found.exitCode === 0 && found.stdout.endsWith("\0")) {
      return { kind: "resolved", path: found.stdout.slice(0, -1) };
    }
    const reason = found.stderr.trim().split("\n").at(-1) ?? "";
    return failedLook("realpath", reason, found.exitCode);
  } catch (error) {
    return { kind: "error", reason: messageOf(error) };
  }
}

/** Paths one `realpath` process resolves at most. */
const REAL_PATHS_AT_ONCE = 256;

/**
 * probeRealPath for many paths, a few hundred per process, each process bounded by `timeoutMs`:
 * each path's resolved form, or null where it could not be told in time (a hung mount) or at
 * all (then the caller keeps the path as it is).
 *
 * @example
 * await probeRealPaths(["/data/link/A", "/srv/b"], 2000); // ["/srv/A", "/srv/b"]
 */
export async function probeRealPaths(
  paths: readonly string[],
  timeoutMs: number,
): Promise<(string | null)[]> {
  const resolved: (string | null)[] = [];
  for (let start = 0; start < paths.length; start += REAL_PATHS_AT_ONCE) {
    const chunk = paths.slice(start, start + REAL_PATHS_AT_ONCE);
    const found = await withinTime(
      (signal) =>
        runCommand("realpath", ["-m", "-z", "--", ...chunk], { signal, env: { LC_ALL: "C" } }),
      timeoutMs,
    ).catch(() => null);
    const result = found === null || found === TIMED_OUT ? null : found;
    const parts = result === null ? [] : result.stdout.split("\0").slice(0, -1);
    // One output per path, in order, only when every path resolved (an error skips its line).
    const whole = result?.exitCode === 0 && parts.length === chunk.length;
    for (let index = 0; index < chunk.length; index++) {
      resolved.push(whole ? (parts[index] ?? null) : null);
    }
  }
  return resolved;
}

/** Whether the folder has no entries; "timeout" or an error text when that cannot be told. */
export async function probeEmptyFolder(
  path: string,
  timeoutMs: number,
): Promise<
  | { kind: "empty" }
  | { kind: "not-empty" }
  | Exclude<PathProbe, { kind: "folder" | "other" | "missing" }>
> {
  try {
    // `find` prints the first entry it meets and stops: one line means "not empty". A child
    // process for the same reason as probePath: a hung mount must not take one of our threads.
    const found = await withinTime(
      (signal) =>
        runCommand("find", [path, "-mindepth", "1", "-maxdepth", "1", "-print", "-quit"], {
          signal,
          env: { LC_ALL: "C" },
        }),
      timeoutMs,
    );
    if (found === TIMED_OUT) return { kind: "timeout", timeoutMs };
    if (found.exitCode === 0) {
      return found.stdout === "" ? { kind: "empty" } : { kind: "not-empty" };
    }
    const reason = found.stderr.trim().split("\n").at(-1) ?? "";
    return failedLook("find", reason, found.exitCode);
  } catch (error) {
    return { kind: "error", reason: messageOf(error) };
  }
}

/**
 * The error of a look whose tool (`stat`, `realpath`, `find`) failed, from its last stderr line
 * (C locale): "permission denied", or the message without the tool's name.
 */
function failedLook(
  tool: string,
  reason: string,
  exitCode: number | null,
): { kind: "error"; reason: string } {
  if (/Permission denied/.test(reason)) return { kind: "error", reason: "permission denied" };
  const message = reason.startsWith(`${tool}: `) ? reason.slice(tool.length + 2) : reason;
  return { kind: "error", reason: message || `${tool} exited ${exitCode}` };
}
