/** A configured drive as the scheduler sees it before starting tape jobs. */
export interface DriveView {
  /** Element number, as in `mtx status` and `[Drive <n>] element`. */
  readonly drive: number;
  /** The tape in it (null: empty, or a tape without a readable label). */
  readonly barcode: string | null;
  /** A running job holds it. */
  readonly busy: boolean;
  /** The changer refuses moves for it until an operator clears it. */
  readonly blocked: boolean;
}

/**
 * The configured drives as pickDrives sees them: what each holds (as the changer read the
 * library), whether a running job has it (`busy`), whether the changer blocked it.
 */
export function driveViewsOf(
  configured: readonly number[],
  library: readonly {
    readonly index: number;
    readonly full: boolean;
    readonly barcode: string | null;
  }[],
  busy: ReadonlySet<number | null>,
  blocked: ReadonlySet<number>,
): DriveView[] {
  return configured.map((drive) => {
    const held = library.find((candidate) => candidate.index === drive);
    return {
      drive,
      barcode: held?.full ? held.barcode : null,
      busy: busy.has(drive),
      blocked: blocked.has(drive),
    };
  });
}

/** A queued tape job with the tape it needs; in queue order (priority, then age). */
export interface WaitingTapeJob {
  readonly id: string;
  readonly priority: number;
  readonly tape: string;
}

export interface DriveAssignment {
  readonly jobId: string;
  readonly drive: number;
}

/**
 * Which queued tape jobs start now, and on which drive. Lowest priority number first; within a
 * priority, jobs whose tape already sits in a free drive go first, to that drive (no robot move,
 * no second load); then the oldest job gets a free drive — an empty one, else one holding a tape
 * no waiting job wants, else any. A job whose tape a running job uses (`tapesInUse`: also while
 * that job's tape is still on its way to the drive) or that sits in a blocked drive waits, and so
 * does a second job for a tape another job takes now: one job per tape at a time.
 *
 * @example
 * pickDrives([{ id: "a", priority: 100, tape: "T1" }, { id: "b", priority: 100, tape: "T2" }],
 *   [{ drive: 0, barcode: "T2", busy: false, blocked: false }]);
 * // [{ jobId: "b", drive: 0 }]
 */
export function pickDrives(
  waiting: readonly WaitingTapeJob[],
  drives: readonly DriveView[],
  tapesInUse: ReadonlySet<string> = new Set(),
): DriveAssignment[] {
  const free = drives.filter((drive) => !drive.busy && !drive.blocked);
  const unavailableTapes = new Set<string | null>([
    ...tapesInUse,
    ...drives
      .filter((drive) => (drive.busy || drive.blocked) && drive.barcode !== null)
      .map((drive) => drive.barcode),
  ]);
  const wantedTapes = new Set(waiting.map((job) => job.tape));
  const takenTapes = new Set<string>();
  const assignments: DriveAssignment[] = [];
  const assign = (job: WaitingTapeJob, drive: DriveView) => {
    assignments.push({ jobId: job.id, drive: drive.drive });
    takenTapes.add(job.tape);
    free.splice(free.indexOf(drive), 1);
  };

  const priorities = [...new Set(waiting.map((job) => job.priority))].sort((a, b) => a - b);
  for (const priority of priorities) {
    const jobs = waiting.filter((job) => job.priority === priority);
    for (const job of jobs) {
      if (takenTapes.has(job.tape) || unavailableTapes.has(job.tape)) continue;
      const holding = free.find((drive) => drive.barcode === job.tape);
      if (holding !== undefined) assign(job, holding);
    }
    for (const job of jobs) {
      if (free.length === 0) return assignments;
      if (takenTapes.has(job.tape) || unavailableTapes.has(job.tape)) continue;
      if (assignments.some((assignment) => assignment.jobId === job.id)) continue;
      const drive =
        free.find((candidate) => candidate.barcode === null) ??
        free.find((candidate) => !wantedTapes.has(candidate.barcode ?? "")) ??
        free[0];
      if (drive !== undefined) assign(job, drive);
    }
  }
  return assignments;
}
