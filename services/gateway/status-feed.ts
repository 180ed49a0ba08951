import type { Logger } from "../../shared/logging/index.ts";
import type { CommandExecutor } from "./execute-command.ts";
import { renderStatusSections, type StatusSection } from "./status-page.ts";
import { readStatusSnapshot, type SnapshotParts, type StatusSnapshot } from "./status-snapshot.ts";

const CHANGER_PARTS: SnapshotParts = { queue: false, tapes: true, library: true, history: false };
const HISTORY_PART: SnapshotParts = { queue: false, tapes: false, library: false, history: true };

export type StatusSections = Partial<Record<StatusSection, string>>;

/** The live status page's source: the page's sections, sent again as they change. */
export interface StatusFeed {
  /**
   * Calls `listener` with every section at once, then with the sections that changed; `end`
   * when the feed closes. Returns the way to stop listening.
   */
  subscribe(listener: (sections: StatusSections) => void, end: () => void): () => void;
  /** Ends every listener (the gateway stops). */
  close(): void;
}

export interface StatusFeedOptions {
  readonly execute: CommandExecutor;
  readonly libraryId: string;
  readonly log?: Logger;
  /** The queue (progress, rate, time left) is read this often. Default 1 s. */
  readonly queueEveryMs?: number;
  /**
   * Tapes, library and history this often, and whenever a task starts, ends or changes drive:
   * the library is a fresh `mtx status`, which a real changer takes seconds for. Default 10 s.
   */
  readonly restEveryMs?: number;
}

/**
 * One reader for every open page: while someone listens, the queue is read every second and the
 * rest every 10 s (or at once when the running tasks change; tapes and library in the background,
 * as they wait for the changer), each page gets the sections that changed. Nobody listening,
 * nothing is read.
 *
 * @example
 * const feed = createStatusFeed({ execute, libraryId: "default" });
 * const stop = feed.subscribe((sections) => send(sections), () => end());
 */
export function createStatusFeed(options: StatusFeedOptions): StatusFeed {
  const queueEveryMs = options.queueEveryMs ?? 1_000;
  const restEveryMs = options.restEveryMs ?? 10_000;
  const listeners = new Set<{ send: (sections: StatusSections) => void; end: () => void }>();
  let snapshot: StatusSnapshot | null = null;
  let sections: Record<StatusSection, string> | null = null;
  let restReadAt = 0;
  let changerReading: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let reading = false;
  let closed = false;

  // Tapes and library ask the changer (a fresh `mtx status`), which can wait behind a tape
  // move: read in the background, so the queue's progress goes on being shown meanwhile.
  const readChanger = () => {
    if (changerReading !== null) return;
    changerReading = readStatusSnapshot(options.execute, options.libraryId, CHANGER_PARTS, null)
      .then((read) => {
        if (snapshot === null) return;
        const { queue, history } = snapshot.problems;
        snapshot = {
          ...snapshot,
          tapes: read.tapes,
          library: read.library,
          problems: {
            ...(queue === undefined ? {} : { queue }),
            ...(history === undefined ? {} : { history }),
            ...read.problems,
          },
        };
      })
      .catch((error: unknown) => options.log?.warn("the library could not be read", { error }))
      .finally(() => {
        changerReading = null;
      });
  };

  const tick = async () => {
    timer = null;
    if (listeners.size === 0 || closed) return;
    reading = true;
    try {
      const first = snapshot === null;
      const restDue = first || Date.now() - restReadAt >= restEveryMs;
      let next = await readStatusSnapshot(
        options.execute,
        options.libraryId,
        { queue: true, history: restDue, tapes: first, library: first },
        snapshot,
      );
      // A task started, ended or moved: the drives, tapes and history changed with it.
      const tasksChanged = !first && tasksOf(next) !== tasksOf(snapshot);
      if (tasksChanged && !restDue) {
        next = await readStatusSnapshot(options.execute, options.libraryId, HISTORY_PART, next);
      }
      snapshot = next;
      if (restDue || tasksChanged) {
        restReadAt = Date.now();
        if (!first) readChanger();
      }
      const rendered = renderStatusSections(next);
      const changed: StatusSections = {};
      for (const [id, html] of Object.entries(rendered) as [StatusSection, string][]) {
        if (sections?.[id] !== html) changed[id] = html;
      }
      sections = rendered;
      if (Object.keys(changed).length > 0) {
        for (const listener of listeners) listener.send(changed);
      }
    } catch (error) {
      options.log?.warn("the status page could not be read", { error });
    } finally {
      reading = false;
      if (listeners.size > 0 && !closed) timer = setTimeout(tick, queueEveryMs);
    }
  };

  return {
    subscribe(send, end) {
      const listener = { send, end };
      listeners.add(listener);
      if (sections !== null) send(sections);
      if (timer === null && !reading) timer = setTimeout(tick, 0);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== null) {
          clearTimeout(timer);
          timer = null;
          // Read afresh for the next page: what is kept now would be stale then.
          snapshot = null;
          sections = null;
        }
      };
    },
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      for (const listener of listeners) listener.end();
      listeners.clear();
    },
  };
}

/** Which tasks run (on which drive, at which step), fail or wait: when this changes, so do the other parts. */
function tasksOf(snapshot: StatusSnapshot | null): string {
  const queue = snapshot?.queue;
  if (queue === null || queue === undefined) return "";
  return JSON.stringify([
    // A new step (load, mount, unload…) may have moved a tape.
    queue.running.map((job) => [job.id, job.drive ?? null, job.progressFigures?.step ?? null]),
    queue.failed.map((job) => job.id),
    queue.queued.length,
  ]);
}
