import { type Static, Type } from "@sinclair/typebox";
import { TimestampSchema } from "./common-schemas.ts";

const NullableCount = Type.Union([Type.Number({ minimum: 0 }), Type.Null()]);

/**
 * A job's progress as numbers, from its last progress report (`queue --json`, `/api/queue`,
 * `pytarchive watch`). A number is null when the step cannot know it (mounting a tape has no
 * byte count; the rate needs a few seconds of copying). `live` is false for a job that no
 * longer runs: the figures are where it stopped, and carry no rate or time left.
 *
 * @example
 * { step: "write", percent: 41, bytesDone: 12_884_901_888, bytesTotal: 32_212_254_720,
 *   filesDone: 1204, filesTotal: 5000, bytesPerSecond: 125_829_120, filesPerSecond: 12,
 *   etaSeconds: 154, at: "2026-12-07T16:20:00.000Z", live: true }
 */
export const ProgressFiguresSchema = Type.Object({
  /** The step that reported: write, verify, restore, prepare, … */
  step: Type.String(),
  percent: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()]),
  bytesDone: NullableCount,
  bytesTotal: NullableCount,
  filesDone: NullableCount,
  filesTotal: NullableCount,
  /** Over the last seconds of the step (not its whole run). */
  bytesPerSecond: NullableCount,
  filesPerSecond: NullableCount,
  /** Time left for this step at the current rate. */
  etaSeconds: NullableCount,
  /** When the step reported this. */
  at: TimestampSchema,
  /** The job still runs; false: it failed or ended, and these are where it stopped. */
  live: Type.Boolean(),
});
export type ProgressFigures = Static<typeof ProgressFiguresSchema>;
