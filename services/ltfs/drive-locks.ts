/**
 * One step at a time per drive: LTFS does not lock a tape against a second user, and a mount
 * racing an unmount of the same drive could unload a tape whose index is still being written.
 */
export interface DriveLocks {
  /**
   * Runs `work` once no other work holds `drive`; waits in arrival order. Stops waiting (and
   * rejects with the signal's reason) when `signal` is aborted before the drive is free.
   */
  withDrive<T>(drive: number, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T>;
  /** Whether some work holds `drive` now. */
  isBusy(drive: number): boolean;
}

interface Waiter {
  readonly wake: () => void;
}

/**
 * @example
 * const locks = createDriveLocks();
 * await locks.withDrive(0, signal, () => drive.unmount());
 */
export function createDriveLocks(): DriveLocks {
  const queues = new Map<number, Waiter[]>();
  const held = new Set<number>();

  const release = (drive: number) => {
    const next = queues.get(drive)?.shift();
    if (next === undefined) {
      held.delete(drive);
      queues.delete(drive);
      return;
    }
    next.wake();
  };

  const acquire = (drive: number, signal: AbortSignal | undefined): Promise<void> => {
    if (!held.has(drive)) {
      held.add(drive);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const queue = queues.get(drive) ?? [];
      queues.set(drive, queue);
      const onAbort = () => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        reject(signal?.reason ?? new Error("stopped while waiting for the drive"));
      };
      const waiter: Waiter = {
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(waiter);
    });
  };

  return {
    async withDrive(drive, signal, work) {
      await acquire(drive, signal);
      try {
        return await work();
      } finally {
        release(drive);
      }
    },
    isBusy: (drive) => held.has(drive),
  };
}
