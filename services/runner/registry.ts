import type { ServiceDefinition } from "../../shared/nats/index.ts";
import { catalogService } from "../catalog/index.ts";
import { changerService } from "../changer/index.ts";
import { compressionService } from "../compression/index.ts";
import { exportService } from "../export/index.ts";
import { gatewayService } from "../gateway/index.ts";
import { inventoryService } from "../inventory/index.ts";
import { ltfsService } from "../ltfs/index.ts";
import { notifierService } from "../notifier/index.ts";
import { schedulerService } from "../scheduler/index.ts";
import { verificationService } from "../verification/index.ts";
import { echoService } from "./echo-service.ts";

/**
 * Every service the runner can start, in start order (a service listed earlier starts earlier and
 * stops later). Add a service here after writing `services/<name>/index.ts`. The catalog comes
 * first: the changer records its inventory there and the gateway asks it about everything.
 * Workers start before the scheduler that hands them steps; the gateway, which accepts new
 * commands, starts last and stops first.
 */
export const SERVICE_REGISTRY: readonly ServiceDefinition[] = [
  echoService,
  catalogService,
  changerService,
  compressionService,
  inventoryService,
  ltfsService,
  notifierService,
  verificationService,
  exportService,
  schedulerService,
  gatewayService,
];
