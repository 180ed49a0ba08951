import fs from "node:fs";

/** A process and its descendants, read from /proc: pid → parent pid. */
function parentsOfAll(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name may hold spaces and parentheses: fields start after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  return parents;
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const parents = parentsOfAll();
  const tree = [root];
  for (let added = true; added; ) {
    added = false;
    for (const [pid, parent] of parents) {
      if (tree.includes(parent) && !tree.includes(pid)) {
        tree.push(pid);
        added = true;
      }
    }
  }
  return tree;
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM), 0 when the process is gone. */
export function statusBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

/**
 * Samples the summed resident memory of `root` and its descendants every `intervalMs` until
 * stopped; `stop()` returns the highest sum seen, in bytes.
 */
export function sampleTreeMemory(root: number, intervalMs = 250): { stop(): number } {
  let peak = 0;
  const sample = () => {
    const total = processTree(root).reduce((sum, pid) => sum + statusBytes(pid, "VmRSS"), 0);
    peak = Math.max(peak, total);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
