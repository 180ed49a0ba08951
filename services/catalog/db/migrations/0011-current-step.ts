import { statementMigration } from "./statement-migration.ts";

/*
 * The step a running job is in: the one the scheduler sent last for its attempt. Unlike
 * `waiting_on` it is not cleared when a worker takes the step up, so a worker handed an older
 * step of the same attempt (JetStream redelivers a step whose ack was lost, e.g. when a NATS
 * node went away) can tell that the job has moved on and leave it alone: run again, a `write`
 * while the folder is read back forgot the files the read-back had recorded (FILES_INCOMPLETE).
 * Jobs running when this version arrives start from the step they wait on, if any.
 */
export const currentStepSchema = statementMigration(
  [
    "ALTER TABLE jobs ADD COLUMN current_step text CHECK (current_step ~ '^[a-z][a-z-]*$')",
    "UPDATE jobs SET current_step = waiting_on WHERE state = 'running' AND waiting_on IS NOT NULL",
  ],
  ["ALTER TABLE jobs DROP COLUMN current_step"],
);
