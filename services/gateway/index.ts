import {
  createCatalogClient,
  type ServiceDefinition,
  type ServiceHealth,
} from "../../shared/nats/index.ts";
import { PYTARCHIVE_VERSION } from "../../shared/version.ts";
import { buildHttpApp } from "./build-http-app.ts";
import { changerRequests } from "./changer-requests.ts";
import { createCommandExecutor } from "./execute-command.ts";
import { createGatewayHandlers } from "./gateway-handlers.ts";
import { createGatewayMetrics } from "./gateway-metrics.ts";
import { listenHttp } from "./listen-http.ts";
import { serveCommands } from "./serve-commands.ts";

export { type CatalogClient, createCatalogClient } from "../../shared/nats/index.ts";
export { buildHttpApp, type HttpAppDependencies } from "./build-http-app.ts";
export { describeJob } from "./describe-job.ts";
export { type CommandExecutor, createCommandExecutor } from "./execute-command.ts";
export {
  createGatewayHandlers,
  type GatewayDependencies,
  type GatewayHandlers,
  type PathProbes,
} from "./gateway-handlers.ts";
export { createGatewayMetrics, type GatewayMetrics } from "./gateway-metrics.ts";
export { GATEWAY_SERVICE_NAME } from "./serve-commands.ts";

/** How long a scrape of /metrics waits for the catalog before showing it as down. */
const METRICS_CATALOG_TIMEOUT_MS = 3_000;

export interface GatewayServiceOptions {
  /** Instead of `[HTTP] port`: 0 picks a free port, null runs no HTTP API at all. */
  readonly httpPort?: number | null;
  /** How long one look at a path may take. Default 2 s. */
  readonly pathTimeoutMs?: number;
}

/**
 * The gateway: the micro-service `pytarchive-gateway` with one endpoint per CLI verb on
 * `pyt.<lib>.cmd.<verb>`, and the HTTP API on `[HTTP] host`:`port`.
 */
export function createGatewayService(options: GatewayServiceOptions = {}): ServiceDefinition {
  return {
    name: "gateway",
    async start({ config, nc, log }) {
      const libraryId = config.nats.libraryId;
      const handlers = createGatewayHandlers({
        catalog: createCatalogClient(nc, libraryId),
        ...changerRequests(nc, libraryId),
        sourceFolders: config.general.sourceFolders,
        simulated: config.device.simulate,
        scratchPath: config.general.scratchPath,
        stateFolder: config.paths.stateDir,
        mountPoints: config.device.drives.map((drive) => drive.mountPoint),
        exploreMaxSeconds: config.export.maxSeconds,
        ...(options.pathTimeoutMs === undefined ? {} : { pathTimeoutMs: options.pathTimeoutMs }),
      });
      const metrics = createGatewayMetrics({
        // A scrape waits a few seconds at most: Prometheus's own timeout is 10 s by default.
        catalog: createCatalogClient(nc, libraryId, { timeoutMs: METRICS_CATALOG_TIMEOUT_MS }),
        nats: { nc, libraryId },
        drives: config.device.drives.map((drive) => drive.element),
      });
      const execute = createCommandExecutor(handlers, metrics);
      const served = await serveCommands({
        nc,
        libraryId,
        execute,
        log,
        version: PYTARCHIVE_VERSION,
      });

      let listening: string | null = null;
      const health = async (): Promise<ServiceHealth> => {
        if (served.service.isStopped) return { ok: false, detail: "not answering commands" };
        if (nc.isClosed()) return { ok: false, detail: "the NATS connection is closed" };
        return {
          ok: true,
          detail: listening === null ? "no HTTP API" : `HTTP API on ${listening}`,
        };
      };
      const app = buildHttpApp({ execute, metrics, health, libraryId, log });
      const port = options.httpPort === undefined ? config.http.port : options.httpPort;
      if (port !== null) {
        try {
          listening = await listenHttp(app, config.http.host, port);
        } catch (error) {
          metrics.stop();
          await served.stop();
          throw error;
        }
        log.info("HTTP API listening", { url: listening });
      }
      return {
        health,
        async stop() {
          metrics.stop();
          await served.stop();
          await app.close();
        },
      };
    },
  };
}

/** The gateway as the runner starts it. */
export const gatewayService: ServiceDefinition = createGatewayService();
export { type PathProbe, probeEmptyFolder, probePath } from "./path-probe.ts";
