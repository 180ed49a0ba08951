import path from "node:path";
import {
  ensureLibraryCredentials,
  libraryCredentialsFile,
} from "../../infra/nats/library-credentials.ts";
import { writeNatsClusterConfigs } from "../../infra/nats/nats-cluster-config.ts";
import type { NatsUser } from "../../shared/nats/index.ts";
import { findFreePort, startNatsServer, type TestNatsServer } from "../helpers/nats-server.ts";

/** A JetStream cluster of nats-servers on loopback, configured as infra/scripts/nats-cluster does. */
export interface TestNatsCluster {
  /** The nodes, in order (n1, n2, …); each can be killed and started again on its ports and store. */
  readonly nodes: readonly TestNatsServer[];
  /** `nats://127.0.0.1:<port>` of each node, in node order. */
  readonly urls: readonly string[];
  /**
   * The credentials file of a NATS user (0600), as the generator wrote it: of the first library,
   * or of `libraryId`.
   */
  credentialsFile(user: NatsUser, libraryId?: string): string;
  /** `[NATS] url` listing every node, starting with node `first` (0-based). */
  urlStartingAt(first: number): string;
  /** Stops every node and deletes their stores. */
  dispose(): Promise<void>;
}

/**
 * Starts `size` nats-servers as one JetStream cluster, with pytarchive's generated users and
 * permissions (infra/nats/nats-cluster-config.ts) for one library or several (`libraryIds`),
 * and credentials in `<folder>/credentials/` (infra/nats/library-credentials.ts).
 * Resolves once every node answers /healthz (JetStream ready, the cluster formed).
 *
 * @example
 * const cluster = await startNatsCluster({ folder: "/tmp/x/nats", libraryId: "default" });
 * await cluster.nodes[1]?.kill();
 */
export async function startNatsCluster(
  options: { readonly folder: string; readonly size?: number } & (
    | { readonly libraryId: string }
    | { readonly libraryIds: readonly string[] }
  ),
): Promise<TestNatsCluster> {
  const libraryIds = "libraryIds" in options ? options.libraryIds : [options.libraryId];
  const names = Array.from({ length: options.size ?? 3 }, (_, index) => `n${index + 1}`);
  const nodes = [];
  for (const name of names) {
    nodes.push({
      name,
      host: "127.0.0.1",
      port: await findFreePort(),
      clusterPort: await findFreePort(),
      storeDir: path.join(options.folder, name),
    });
  }
  const credentials = path.join(options.folder, "credentials");
  const files = writeNatsClusterConfigs({
    folder: options.folder,
    libraryIds,
    nodes,
    passwords: ensureLibraryCredentials(credentials, libraryIds),
  });
  // Together: a node is ready (healthz) only once the cluster has elected its JetStream leader.
  const servers = await Promise.all(
    nodes.map((node, index) =>
      startNatsServer({
        configFile: files[index],
        port: node.port,
        storeDir: node.storeDir,
        // Not from the command line: the generated file enables JetStream with this node's store.
        jetstream: false,
        readyTimeoutMs: 30_000,
      }),
    ),
  );
  const urls = servers.map((server) => server.url);
  return {
    nodes: servers,
    urls,
    credentialsFile: (user, libraryId = libraryIds[0] as string) =>
      libraryCredentialsFile(credentials, libraryIds, libraryId, user),
    urlStartingAt: (first) =>
      urls.map((_, index) => urls[(first + index) % urls.length] as string).join(","),
    async dispose() {
      await Promise.all(servers.map((server) => server.dispose()));
    },
  };
}
