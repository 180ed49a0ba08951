import { type Static, Type } from "@sinclair/typebox";

/** A job id: 8 lowercase hex digits, as the original's queue shows them ("[3fa2b1c0]"). */
export const JobIdSchema = Type.String({ pattern: "^[0-9a-f]{8}$", description: "8 hex digits" });

/** A step of a job's saga, also a subject token: "copy", "verify", "load-tape". */
export const StepSchema = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" });

/** An instant in UTC, ISO 8601 as `Date.toISOString()` writes it. */
export const TimestampSchema = Type.String({
  pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$",
  description: "ISO 8601 UTC, e.g. 2026-11-26T10:00:00.000Z",
});

/** A path that starts at the root; further checks (no `..`, exists) are the gateway's job. */
export const AbsolutePathSchema = Type.String({ pattern: "^/", minLength: 1 });

/** A tape barcode (volume tag) as `mtx status` shows it without padding. */
export const BarcodeSchema = Type.String({ pattern: "^\\S{1,32}$" });

/** Queue priority: lower runs first (prepare 0, explore 20, most 100, inventory 200). */
export const PrioritySchema = Type.Integer();

/** Delivery attempt of a job, counted from 1; a requeue starts the next attempt. */
export const AttemptSchema = Type.Integer({ minimum: 1 });

/** An error as clients see it: a stable code, a message, and what to do. */
export const ErrorInfoSchema = Type.Object({
  code: Type.String({ minLength: 1 }),
  message: Type.String(),
  hint: Type.Optional(Type.String()),
});
export type ErrorInfo = Static<typeof ErrorInfoSchema>;
