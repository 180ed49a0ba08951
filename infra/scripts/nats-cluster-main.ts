import path from "node:path";
import { CONFIG_ENV } from "../../shared/config/index.ts";
import { libraryNatsUsers } from "../../shared/nats/index.ts";
import { ensureLibraryCredentials, libraryCredentialsFile } from "../nats/library-credentials.ts";
import {
  checkNatsClusterNodes,
  checkNatsServerName,
  DEFAULT_CLIENT_PORT,
  DEFAULT_CLUSTER_NAME,
  DEFAULT_CLUSTER_PORT,
  type NatsClusterNode,
  writeNatsClusterConfigs,
} from "../nats/nats-cluster-config.ts";
import { writeNatsServerConfig } from "../nats/nats-server-config.ts";
import { checkedPath, parseScriptArgs, type ScriptIo, ScriptUsageError } from "./script-support.ts";

const SCRIPT = "nats-cluster";

export const NATS_CLUSTER_HELP = `usage: infra/scripts/nats-cluster --out DIR --node NAME=HOST[:PORT[:ROUTE_PORT]] --node … [options]

Writes the nats-server configuration of every node of a JetStream cluster for pytarchive:
DIR/NAME.conf per node (mode 0600), each with the same users and permissions as the single
server's (infra/nats/README.md), its server_name, its JetStream store and routes to every node;
and DIR/credentials/USER.cred, one per NATS user (0600). Credentials files already in
DIR/credentials are kept, so running it again with one more --node (adding a node) keeps every
password. Copy NAME.conf to its host and start \`nats-server -c NAME.conf\` there; give each
pytarchive host the credentials file of its services' users. Three nodes at least, or one:
a single --node writes one nats-server's configuration, without a cluster (replicas = 1).

Several libraries (several [NATS] library_id) share one cluster when --library-id is given once
for each: every library gets its own users, allowed only its own library's subjects. The first
library's users and files are as above; every other library's users are named USER-LIBRARY
(ltfs-zeus) and their files are DIR/credentials/LIBRARY/USER.cred. Give the libraries in the
same order every time (add a new one last): the files already there are kept.

Options:
  --out DIR            folder for the files (created 0700)
  --node SPEC          a node: NAME=HOST[:PORT[:ROUTE_PORT]], HOST as the others reach it;
                       PORT default ${DEFAULT_CLIENT_PORT}, ROUTE_PORT default ${DEFAULT_CLUSTER_PORT} (give one per node)
  --store-dir DIR      JetStream store folder on every node (default /var/lib/nats-server);
                       nodes that share a host get DIR/NAME each
  --listen-host ADDR   address every node listens on (default: the node's HOST; 0.0.0.0 for all)
  --library-id ID      pytarchive's [NATS] library_id (default $${CONFIG_ENV.libraryId}, else "default");
                       once per library for several (or ID,ID,…), the first one first
  --cluster-name NAME  the cluster's name (default ${DEFAULT_CLUSTER_NAME})
  -h, --help           show this help

Examples:
  infra/scripts/nats-cluster --out /root/nats-cluster \\
    --node nats1=10.0.0.11 --node nats2=10.0.0.12 --node nats3=10.0.0.13
  # two libraries: hera's users as above, zeus's in credentials/zeus/ (gateway-zeus, …)
  infra/scripts/nats-cluster --out /root/nats-cluster --library-id hera --library-id zeus \\
    --node nats1=10.0.0.11 --node nats2=10.0.0.12 --node nats3=10.0.0.13
`;

/** `infra/scripts/nats-cluster`: resolves to the exit code. */
export async function natsClusterMain(argv: readonly string[], io: ScriptIo): Promise<number> {
  const { values } = parseScriptArgs(SCRIPT, argv, {
    out: { type: "string" },
    node: { type: "string", multiple: true },
    "store-dir": { type: "string" },
    "listen-host": { type: "string" },
    "library-id": { type: "string", multiple: true },
    "cluster-name": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(NATS_CLUSTER_HELP);
    return 0;
  }
  if (values.out === undefined) throw new ScriptUsageError(SCRIPT, "--out DIR is missing.");
  const out = checkedPath(SCRIPT, "--out", values.out);
  const libraryIds = (values["library-id"] ?? [io.env[CONFIG_ENV.libraryId] || "default"]).flatMap(
    (ids) => ids.split(","),
  );
  // Checks every id (as `[NATS] library_id`), and that none is given twice.
  libraryNatsUsers(libraryIds);
  const storeDir = checkedPath(
    SCRIPT,
    "--store-dir",
    values["store-dir"] ?? "/var/lib/nats-server",
  );
  const nodes = withOwnStores((values.node ?? []).map(parseNode), storeDir);
  // Before any password is made or file written.
  const [single] = nodes.length === 1 ? nodes : [];
  if (single === undefined) checkNatsClusterNodes(nodes, storeDir);
  else checkNatsServerName(single.name);
  const credentials = path.join(out, "credentials");
  const passwords = ensureLibraryCredentials(credentials, libraryIds);
  const files =
    single === undefined
      ? writeNatsClusterConfigs({
          folder: out,
          libraryIds,
          nodes,
          storeDir,
          passwords,
          ...(values["listen-host"] === undefined ? {} : { listenHost: values["listen-host"] }),
          ...(values["cluster-name"] === undefined ? {} : { clusterName: values["cluster-name"] }),
        })
      : [
          writeNatsServerConfig({
            file: path.join(out, `${single.name}.conf`),
            libraryIds,
            storeDir,
            host: values["listen-host"] ?? single.host,
            port: single.port ?? DEFAULT_CLIENT_PORT,
            passwords,
            serverName: single.name,
          }),
        ];
  const urls = nodes
    .map((node) => `nats://${node.host}:${node.port ?? DEFAULT_CLIENT_PORT}`)
    .join(",");
  const several = libraryIds.length > 1;
  io.stdout(
    [
      ...files.map((file) => `wrote ${file}`),
      ...libraryIds.flatMap((libraryId) => [
        "",
        `wrote ${path.dirname(libraryCredentialsFile(credentials, libraryIds, libraryId, "operator"))}/<user>.cred${several ? ` (library ${libraryId})` : ""}`,
        `On each pytarchive host${several ? ` of library ${libraryId}` : ""}, in pytarchive.conf (put the nearest node first):`,
        "[NATS]",
        `url = ${urls}`,
        `library_id = ${libraryId}`,
        `replicas = ${single === undefined ? 3 : 1}`,
        "# with that folder copied to the host (0700): its services, each as its own user, with",
        "#   npx tsx services/runner/main.ts --config FILE --credentials-dir FOLDER",
        "# and its CLI with credentials_file = FOLDER/operator.cred",
      ]),
      "",
    ].join("\n"),
  );
  return 0;
}

/** Nodes that share a host (a test cluster on one machine) each keep their store in `<store>/<name>`. */
function withOwnStores(nodes: NatsClusterNode[], storeDir: string): NatsClusterNode[] {
  return nodes.map((node) =>
    nodes.some((other) => other !== node && other.host === node.host)
      ? { ...node, storeDir: path.join(storeDir, node.name) }
      : node,
  );
}

/** `NAME=HOST[:PORT[:ROUTE_PORT]]`. */
function parseNode(spec: string): NatsClusterNode {
  const match = /^([^=]+)=([A-Za-z0-9.-]+)(?::(\d{1,5}))?(?::(\d{1,5}))?$/.exec(spec);
  if (match === null) {
    throw new ScriptUsageError(
      SCRIPT,
      `--node ${JSON.stringify(spec)} is not NAME=HOST[:PORT[:ROUTE_PORT]], e.g. nats1=10.0.0.11 or nats1=127.0.0.1:4222:6222.`,
    );
  }
  const [, name = "", host = "", port, routePort] = match;
  return {
    name,
    host,
    ...(port === undefined ? {} : { port: Number(port) }),
    ...(routePort === undefined ? {} : { clusterPort: Number(routePort) }),
  };
}
