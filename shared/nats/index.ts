export { type CatalogClient, createCatalogClient } from "./catalog-client.ts";
export {
  changerLeaseKey,
  driveStateKey,
  readBlockedDrives,
  readDriveState,
} from "./changer-drive-states.ts";
export { type ConnectNatsOptions, connectNats } from "./connect.ts";
export { type NatsCredentials, readCredentialsFile } from "./credentials-file.ts";
export { DEFAULT_DRAIN_TIMEOUT_MS, drainNats } from "./drain.ts";
export {
  embeddedClientFile,
  readEmbeddedClientSettings,
  writeEmbeddedClientSettings,
} from "./embedded-client.ts";
export {
  type ConsumerSpec,
  ensureConsumer,
  ensureKv,
  ensureStream,
  ensureStreams,
  libraryStreamSpecs,
  type StreamSpec,
} from "./ensure-jetstream.ts";
export {
  type AcquireLeaseOptions,
  acquireLease,
  type HeldLease,
  keepLeaseRenewed,
  type Lease,
  releaseLease,
  renewLease,
  tryAcquireLease,
} from "./lease.ts";
export {
  type LibraryNatsUser,
  libraryNatsUsers,
  NATS_SERVICE_USERS,
  NATS_USERS,
  type NatsServiceUser,
  type NatsUser,
} from "./nats-users.ts";
export { requestChat, requestMail } from "./notify.ts";
export { type SubjectPermissions, USER_ROLES, userPermissions } from "./permissions.ts";
export {
  PUBLISH_RETRIES,
  resilientJetStream,
  withPublishRetries,
} from "./publish-retries.ts";
export { publishWork, workMessageId } from "./publish-work.ts";
export { readFolderFiles } from "./read-folder-files.ts";
export { redactUrl } from "./redact-url.ts";
export {
  headerSafe,
  type RequestOptions,
  request,
  respondWithError,
  ServiceError,
} from "./request.ts";
export { type ServedEndpoints, serveEndpoints } from "./serve-endpoints.ts";
export type {
  RunningService,
  ServiceContext,
  ServiceDefinition,
  ServiceHealth,
} from "./service-definition.ts";
export { sleep } from "./sleep.ts";
export {
  defaultRetryDelayMs,
  type RunningWorkConsumer,
  type RunWorkConsumerOptions,
  runWorkConsumer,
  type WorkContext,
  type WorkHandler,
} from "./work-consumer.ts";
export { errorInfoOf, PermanentWorkError, RetryWorkError } from "./work-errors.ts";
export { writeCredentialsFile } from "./write-credentials-file.ts";
