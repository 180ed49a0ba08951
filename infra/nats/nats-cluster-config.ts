import { mkdirSync } from "node:fs";
import path from "node:path";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  formatNatsServerConfig,
  type NatsLibraries,
  type NatsServerConfigOptions,
  servedLibraryIds,
  writeNatsServerConfig,
} from "./nats-server-config.ts";

/** One nats-server of a JetStream cluster. */
export interface NatsClusterNode {
  /** server_name, unique in the cluster: JetStream's RAFT groups know servers by it. */
  readonly name: string;
  /** Address the clients and the other nodes reach this node by (an IP address or host name). */
  readonly host: string;
  /** Client port. Default 4222. */
  readonly port?: number;
  /** Route port, where the other nodes connect. Default 6222. */
  readonly clusterPort?: number;
  /** This node's JetStream store folder, when it differs from the cluster's `storeDir`. */
  readonly storeDir?: string;
  /** Where this node writes its process id, or none. */
  readonly pidFile?: string;
}

/** The library (`libraryId`) or libraries (`libraryIds`) the cluster serves: see NatsLibraries. */
export type NatsClusterConfigOptions = NatsLibraries & {
  /** Cluster name, the same on every node. Default "pytarchive". */
  readonly clusterName?: string;
  /** Three or more nodes. */
  readonly nodes: readonly NatsClusterNode[];
  /** JetStream store folder of every node that names none of its own. */
  readonly storeDir?: string;
  /** Address every node listens on (clients and routes). Default: each node's own `host`. */
  readonly listenHost?: string;
  /** One password per user, by its name on the server: the same users on every node. */
  readonly passwords: Readonly<Record<string, string>>;
  /** Comment lines put first in every file (without `#`). */
  readonly preface?: readonly string[];
};

export const DEFAULT_CLIENT_PORT = 4222;
export const DEFAULT_CLUSTER_PORT = 6222;
export const DEFAULT_CLUSTER_NAME = "pytarchive";

/**
 * The text of each node's nats-server.conf for a JetStream cluster: every node gets the
 * single-server configuration (the same users and permissions, shared/nats/permissions.ts) plus
 * its `server_name` and a `cluster { }` block whose routes name every node. Fewer than three
 * nodes, a repeated name or a repeated address is refused: a cluster of two stops storing as
 * soon as either node is gone (JetStream needs more than half of its servers).
 *
 * @example
 * formatNatsClusterConfigs({ libraryId: "default", storeDir: "/var/lib/nats-server", passwords,
 *   nodes: [{ name: "n1", host: "10.0.0.1" }, { name: "n2", host: "10.0.0.2" }, { name: "n3", host: "10.0.0.3" }] });
 * // [{ node: { name: "n1", … }, text: "server_name: \"n1\"\nlisten: \"10.0.0.1:4222\" …" }, …]
 */
export function formatNatsClusterConfigs(
  options: NatsClusterConfigOptions,
): { readonly node: NatsClusterNode; readonly text: string }[] {
  return nodeServerOptions(options).map(({ node, server }) => ({
    node,
    text: formatNatsServerConfig(server),
  }));
}

/**
 * Writes {@link formatNatsClusterConfigs}'s files as `<folder>/<node name>.conf`, mode 0600
 * (the passwords are in them). Returns the file names, in node order.
 *
 * @example
 * writeNatsClusterConfigs({ folder: "/etc/pytarchive/nats-cluster", libraryId: "default", storeDir: "/var/lib/nats-server", nodes, passwords });
 * // ["/etc/pytarchive/nats-cluster/n1.conf", …]
 */
export function writeNatsClusterConfigs(
  options: NatsClusterConfigOptions & { readonly folder: string },
): string[] {
  const servers = nodeServerOptions(options);
  // Every file's text is checked before the first is written: a bad node writes no file at all.
  for (const { server } of servers) formatNatsServerConfig(server);
  mkdirSync(options.folder, { recursive: true, mode: 0o700 });
  return servers.map(({ node, server }) =>
    writeNatsServerConfig({ ...server, file: path.join(options.folder, `${node.name}.conf`) }),
  );
}

/** The single-server options of each node: its own name, ports and store, and every route. */
function nodeServerOptions(
  options: NatsClusterConfigOptions,
): { node: NatsClusterNode; server: NatsServerConfigOptions }[] {
  checkNatsClusterNodes(options.nodes, options.storeDir);
  const routes = options.nodes.map(
    (node) => `nats-route://${node.host}:${node.clusterPort ?? DEFAULT_CLUSTER_PORT}`,
  );
  return options.nodes.map((node) => {
    const storeDir = node.storeDir ?? options.storeDir;
    if (storeDir === undefined) {
      throw clusterError(
        `Node "${node.name}" has no JetStream store folder.`,
        "Give a store folder for the cluster (--store-dir) or for this node.",
      );
    }
    const listenHost = options.listenHost ?? node.host;
    const server: NatsServerConfigOptions = {
      libraryIds: servedLibraryIds(options),
      storeDir,
      host: listenHost,
      port: node.port ?? DEFAULT_CLIENT_PORT,
      passwords: options.passwords,
      serverName: node.name,
      cluster: {
        name: options.clusterName ?? DEFAULT_CLUSTER_NAME,
        host: listenHost,
        port: node.clusterPort ?? DEFAULT_CLUSTER_PORT,
        routes,
      },
      ...(node.pidFile === undefined ? {} : { pidFile: node.pidFile }),
      ...(options.preface === undefined ? {} : { preface: options.preface }),
    };
    return { node, server };
  });
}

/**
 * Refuses a cluster that cannot work: fewer than three nodes, a name that is not a plain token,
 * two nodes with one name, one client or route address, or (on one host) one store folder.
 *
 * @example
 * checkNatsClusterNodes([{ name: "n1", host: "10.0.0.1" }]); // throws NATS_CONFIG_INVALID
 */
export function checkNatsClusterNodes(nodes: readonly NatsClusterNode[], storeDir?: string): void {
  if (nodes.length < 3) {
    throw clusterError(
      `A JetStream cluster needs at least 3 servers; ${nodes.length} ${nodes.length === 1 ? "was" : "were"} given.`,
      "JetStream stores only while more than half of its servers run: with 2, losing either stops it. Give 3 (or 5) nodes, or run a single server (nats-server.conf).",
    );
  }
  const seen = new Map<string, string>();
  for (const node of nodes) {
    checkNatsServerName(node.name);
    const keys = [
      `name ${node.name}`,
      `address ${node.host}:${node.port ?? DEFAULT_CLIENT_PORT}`,
      `address ${node.host}:${node.clusterPort ?? DEFAULT_CLUSTER_PORT}`,
      `JetStream store ${node.storeDir ?? storeDir} on ${node.host}`,
    ];
    for (const key of keys) {
      const other = seen.get(key);
      if (other !== undefined) {
        throw clusterError(
          `Nodes "${other}" and "${node.name}" both use the ${key}.`,
          "Give every node its own name, and its own ports and store folder when nodes share a host.",
        );
      }
      seen.set(key, node.name);
    }
  }
}

/**
 * Refuses a server name that cannot be a file name and a name in a cluster.
 *
 * @example
 * checkNatsServerName("../n1"); // throws NATS_CONFIG_INVALID
 */
export function checkNatsServerName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw clusterError(
      `The server name ${JSON.stringify(name)} cannot be used: it becomes a file name and a name in the cluster.`,
      "Use letters, digits, '.', '_' and '-', e.g. nats1.",
    );
  }
}

function clusterError(message: string, hint: string): PytarchiveError {
  return new PytarchiveError("NATS_CONFIG_INVALID", message, { hint });
}
