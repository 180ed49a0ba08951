import { opendir, stat } from "node:fs/promises";

/** What a bounded look at a path found. */
export type PathProbe =
  | { readonly kind: "folder" }
  | { readonly kind: "other" }
  | { readonly kind: "missing" }
  | { readonly kind: "timeout"; readonly timeoutMs: number }
  | { readonly kind: "error"; readonly reason: string };

const TIMED_OUT = Symbol("timed out");

/**
 * `work` or TIMED_OUT after `timeoutMs`. A stat on a hung NFS mount never returns and cannot be
 * cancelled: the gateway stops waiting and answers, the stuck call is left to finish on its own.
 */
async function within<T>(work: Promise<T>, timeoutMs: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Looks at `path` (following symlinks), giving up after `timeoutMs`.
 *
 * @example
 * await probePath("/srv/projects/alpha", 2000); // { kind: "folder" }
 */
export async function probePath(path: string, timeoutMs: number): Promise<PathProbe> {
  try {
    const found = await within(stat(path), timeoutMs);
    if (found === TIMED_OUT) return { kind: "timeout", timeoutMs };
    return found.isDirectory() ? { kind: "folder" } : { kind: "other" };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
    return { kind: "error", reason: describeFsError(error) };
  }
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
  const look = async (): Promise<boolean> => {
    const dir = await opendir(path);
    try {
      return (await dir.read()) === null;
    } finally {
      await dir.close().catch(() => {});
    }
  };
  try {
    const empty = await within(look(), timeoutMs);
    if (empty === TIMED_OUT) return { kind: "timeout", timeoutMs };
    return empty ? { kind: "empty" } : { kind: "not-empty" };
  } catch (error) {
    return { kind: "error", reason: describeFsError(error) };
  }
}

function describeFsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return code ?? message ?? String(error);
}

/** "2 s", "500 ms": how long a check waited, for messages. */
export function describeDuration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
