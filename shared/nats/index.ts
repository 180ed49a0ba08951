export { type ConnectNatsOptions, connectNats } from "./connect.ts";
export { type NatsCredentials, readCredentialsFile } from "./credentials-file.ts";
export { drainNats } from "./drain.ts";
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
export { publishWork, workMessageId } from "./publish-work.ts";
export { redactUrl } from "./redact-url.ts";
export { type RequestOptions, request, respondWithError, ServiceError } from "./request.ts";
export type {
  RunningService,
  ServiceContext,
  ServiceDefinition,
  ServiceHealth,
} from "./service-definition.ts";
export {
  defaultRetryDelayMs,
  type RunningWorkConsumer,
  type RunWorkConsumerOptions,
  runWorkConsumer,
  type WorkContext,
  type WorkHandler,
} from "./work-consumer.ts";
export { errorInfoOf, PermanentWorkError, RetryWorkError } from "./work-errors.ts";
