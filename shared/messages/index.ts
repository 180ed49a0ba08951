export {
  CATALOG_REQUESTS,
  type CatalogFile,
  type CatalogFolder,
  type CatalogJob,
  type CatalogJobKind,
  type CatalogOperation,
  type CatalogReply,
  type CatalogRequest,
  type CatalogTape,
  FOLDER_EVENTS,
  FolderArchived,
  FolderArchiving,
  FolderFailed,
  type FolderFilesCursor,
  FolderImported,
  FolderPrepared,
  FolderVerified,
  FolderVerifyFailed,
  JOB_ABORT_REQUESTED,
  JOB_DURATION_BUCKETS_SECONDS,
  JOB_RUN_OUTCOMES,
  JobAbortRequested,
  type JobRunOutcome,
  MAX_FILES_PER_REQUEST,
} from "./catalog-requests.ts";
export {
  ChangerDriveState,
  ClearDriveReply,
  ClearDriveRequest,
  changerSubjects,
  type DriveBlock,
  MOVE_EVENTS,
  MOVE_FAILURE_CODES,
  MOVE_KINDS,
  MoveDone,
  MoveFailed,
  type MoveFailureCode,
  MoveRequest,
  type TapePlace,
} from "./changer-moves.ts";
export {
  ChangerStatusReply,
  ChangerStatusRequest,
  type DriveLiveState,
  LibraryStatusSchema,
} from "./changer-status.ts";
export {
  COMMAND_VERBS,
  COMMANDS,
  type CommandReply,
  type CommandRequest,
  type CommandVerb,
  DEFAULT_EXPLORE_SECONDS,
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  type HistoryJob,
  type LibraryDrive,
  type LibraryReply,
  type QueueJob,
  type SummaryReply,
  type TapeListing,
} from "./commands.ts";
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
  PROGRESS_COUNTS,
  WorkItem,
} from "./job-messages.ts";
export { ARCHIVE_SOURCE_CODES, JOB_STATE_ERROR_CODES } from "./job-outcome-codes.ts";
export {
  type StepOutcome,
  StepResult,
  stepResultMessageId,
  stepResultSubject,
} from "./job-steps.ts";
export {
  LEGACY_ERROR_MAX_CHARS,
  LEGACY_FOLDERS_PER_REQUEST,
  LEGACY_JOBS_PER_REQUEST,
  type LegacyImportReply,
  type LegacyImportRequest,
  type LegacyOutcome,
} from "./legacy-import.ts";
export { type MessageProblem, MessageSchemaError } from "./message-schema-error.ts";
export { moveIdOf, type NamedMove, parseMoveId } from "./move-id.ts";
export {
  ChatRequest,
  MailRequest,
  NOTIFY_CHANNELS,
  type NotifyChannel,
  notifySubject,
} from "./notifications.ts";
export { type ProgressFigures, ProgressFiguresSchema } from "./progress-figures.ts";
export { isSubjectToken, libraryIdOrThrow, subjectTokenOrThrow } from "./subject-token.ts";
export {
  kvBucketNames,
  type LibraryBuckets,
  type LibraryStreams,
  type LibrarySubjects,
  streamNames,
  subjects,
} from "./subjects.ts";
