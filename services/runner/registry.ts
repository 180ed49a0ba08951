import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { echoService } from "./echo-service.ts";

/**
 * Every service the runner can start, in start order (a service listed earlier starts earlier and
 * stops later). Add a service here after writing `services/<name>/index.ts`.
 */
export const SERVICE_REGISTRY: readonly ServiceDefinition[] = [echoService];
