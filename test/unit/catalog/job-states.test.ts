import { describe, expect, it } from "vitest";
import {
  abortDecision,
  canTransition,
  checkTransition,
  isFinished,
  JOB_STATES,
  JOB_TRANSITIONS,
  type JobState,
  transitionBetween,
} from "../../../services/catalog/job-states.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";

/** Every change a job may make, written out by hand: from → to. */
const ALLOWED: ReadonlyArray<readonly [JobState, JobState]> = [
  ["queued", "running"],
  ["queued", "failed"],
  ["queued", "aborted"],
  ["running", "done"],
  ["running", "failed"],
  ["running", "aborted"],
  ["failed", "queued"],
  ["failed", "aborted"],
];

describe("the job state machine", () => {
  const pairs = JOB_STATES.flatMap((from) => JOB_STATES.map((to) => [from, to] as const));

  it.each(pairs)("%s → %s is allowed only when listed", (from, to) => {
    const listed = ALLOWED.some(([a, b]) => a === from && b === to);
    expect(canTransition(from, to)).toBe(listed);
    expect(transitionBetween(from, to) !== null).toBe(listed);
  });

  it("a finished job (done, aborted) never changes again; a failed one only by requeue or abort", () => {
    for (const to of JOB_STATES) {
      expect(canTransition("done", to)).toBe(false);
      expect(canTransition("aborted", to)).toBe(false);
    }
    expect(JOB_STATES.filter((to) => canTransition("failed", to))).toEqual(["queued", "aborted"]);
    expect(JOB_STATES.filter(isFinished)).toEqual(["failed", "done", "aborted"]);
  });

  it.each(
    Object.keys(JOB_TRANSITIONS).flatMap((name) =>
      JOB_STATES.map((state) => [name as keyof typeof JOB_TRANSITIONS, state] as const),
    ),
  )("%s of a %s job is refused unless allowed, naming the state", (transition, state) => {
    const rule = JOB_TRANSITIONS[transition];
    const allowed = (rule.from as readonly JobState[]).includes(state);
    const attempt = () => checkTransition({ id: "3fa2b1c0", state }, transition);
    if (allowed) {
      expect(attempt).not.toThrow();
      return;
    }
    const error = (() => {
      try {
        attempt();
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(PytarchiveError);
    expect((error as PytarchiveError).code).toBe("JOB_STATE_CONFLICT");
    expect((error as PytarchiveError).message).toBe(
      `Cannot ${rule.action} job 3fa2b1c0: it is ${state}, and only a ${rule.from.join(" or ")} job can be.`,
    );
  });

  it("an abort ends a waiting job at once, asks a running one to stop, and comes too late after the commit", () => {
    expect(abortDecision({ state: "queued", committedAt: null })).toBe("abort-now");
    expect(abortDecision({ state: "failed", committedAt: null })).toBe("abort-now");
    expect(abortDecision({ state: "running", committedAt: null })).toBe("ask-to-stop");
    expect(abortDecision({ state: "running", committedAt: new Date() })).toBe("too-late");
    // A committed job stays committed when requeued (or failed by an older version): too late.
    expect(abortDecision({ state: "queued", committedAt: new Date() })).toBe("too-late");
    expect(abortDecision({ state: "failed", committedAt: new Date() })).toBe("too-late");
    expect(abortDecision({ state: "done", committedAt: new Date() })).toBe("finished");
    expect(abortDecision({ state: "aborted", committedAt: null })).toBe("finished");
  });
});
