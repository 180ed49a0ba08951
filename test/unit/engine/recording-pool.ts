import type { FilePool, TaskOptions } from "../../../shared/data-path/index.ts";

/** One task a pool was asked for: its kind, the paths it names and how it was asked. */
export interface AskedTask {
  readonly kind: string;
  readonly paths: readonly string[];
  readonly oneAtATime: boolean | undefined;
  readonly options: TaskOptions | undefined;
}

/** A pool that runs tasks on `pool` and records each one, and how many ran at once at most. */
export function recordingPool(pool: FilePool) {
  const asked: AskedTask[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const recording: FilePool = {
    size: pool.size,
    tasksRun: pool.tasksRun,
    close: () => pool.close(),
    run(task, options) {
      const seen = task as {
        kind: string;
        files?: { path: string }[];
        oneAtATime?: boolean;
        path?: string;
        source?: string;
      };
      const paths = seen.files?.map((file) => file.path) ?? [seen.path ?? seen.source ?? ""];
      asked.push({ kind: seen.kind, paths, oneAtATime: seen.oneAtATime, options });
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      return pool.run(task, options).finally(() => {
        inFlight -= 1;
      });
    },
  };
  return { pool: recording, asked, mostInFlight: () => mostInFlight };
}
