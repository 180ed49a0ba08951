export {
  AbsolutePathSchema,
  AttemptSchema,
  BarcodeSchema,
  type ErrorInfo,
  ErrorInfoSchema,
  JobIdSchema,
  PrioritySchema,
  StepSchema,
  TimestampSchema,
} from "./common-schemas.ts";
export { DeadLetter } from "./dead-letter.ts";
export { defineMessage, type MessageDefinition, type MessageType } from "./define-message.ts";
export {
  DEFAULT_PRIORITIES,
  defaultTargetName,
  JOB_ARGUMENT_SCHEMAS,
  JOB_EVENTS,
  JOB_KINDS,
  JobAborted,
  type JobArguments,
  JobCreated,
  type JobEventKind,
  JobFailed,
  JobFinished,
  type JobKind,
  JobProgress,
  JobQueued,
  type JobSpec,
  JobSpecSchema,
  JobStarted,
  WorkItem,
} from "./job-messages.ts";
export { type MessageProblem, MessageSchemaError } from "./message-schema-error.ts";
export { moveIdOf, type NamedMove, parseMoveId } from "./move-id.ts";
export {
  ChatRequest,
  MailRequest,
  NOTIFY_CHANNELS,
  type NotifyChannel,
  notifySubject,
} from "./notifications.ts";
export { isSubjectToken, libraryIdOrThrow, subjectTokenOrThrow } from "./subject-token.ts";
export {
  kvBucketNames,
  type LibraryBuckets,
  type LibraryStreams,
  type LibrarySubjects,
  streamNames,
  subjects,
} from "./subjects.ts";
