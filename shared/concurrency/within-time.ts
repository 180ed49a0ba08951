export const TIMED_OUT = Symbol("timed out");

/**
 * Runs `work` and stops waiting for it after `timeoutMs`, or at once when `signal` aborts (then
 * it rejects with the signal's reason). Either way, and when the work is done, the signal handed
 * to `work` is aborted, so a child process it started gets stopped — but its promise is left
 * behind, not awaited: a process stuck on a hung NFS mount ignores even SIGKILL, and a file
 * system call on one never returns.
 *
 * @example
 * const found = await withinTime((signal) => runCommand("stat", args, { signal }), 10_000);
 * if (found === TIMED_OUT) … // listed as "did not answer within 10 s"
 */
export async function withinTime<T>(
  work: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<T | typeof TIMED_OUT> {
  signal?.throwIfAborted();
  const ownSignal = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<typeof TIMED_OUT>((resolve, reject) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
    onAbort = () => reject(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([Promise.resolve().then(() => work(ownSignal.signal)), stopped]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    ownSignal.abort();
  }
}
