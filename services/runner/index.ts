export type {
  RunningService,
  ServiceContext,
  ServiceDefinition,
  ServiceHealth,
} from "../../shared/nats/index.ts";
export { SERVICE_REGISTRY } from "./registry.ts";
export {
  type RunningServices,
  type RunServicesOptions,
  runServices,
  type ServiceStopFailure,
  type StopReport,
} from "./run-services.ts";
export { selectServices } from "./select-services.ts";
