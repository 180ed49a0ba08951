/**
 * Seconds each step of job `jobId` took, from the scheduler's log lines (`step sent`, then
 * `step done`, each with its `time`): what the services spent, without the queueing around them.
 * A step that ran more than once (a retry) counts each run.
 */
export function stepSeconds(logLines: readonly string[], jobId: string): Record<string, number> {
  const sentAt = new Map<string, number>();
  const seconds: Record<string, number> = {};
  for (const text of logLines) {
    if (!text.startsWith("{") || !text.includes(jobId)) continue;
    let line: { msg?: unknown; jobId?: unknown; step?: unknown; time?: unknown };
    try {
      line = JSON.parse(text) as typeof line;
    } catch {
      continue;
    }
    if (line.jobId !== jobId || typeof line.step !== "string" || typeof line.time !== "string") {
      continue;
    }
    const at = Date.parse(line.time);
    if (line.msg === "step sent") sentAt.set(line.step, at);
    const sent = sentAt.get(line.step);
    if (line.msg === "step done" && sent !== undefined) {
      seconds[line.step] = (seconds[line.step] ?? 0) + (at - sent) / 1000;
      sentAt.delete(line.step);
    }
  }
  return seconds;
}
