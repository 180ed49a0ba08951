import { chmodSync, renameSync, writeFileSync } from "node:fs";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  type LibraryNatsUser,
  libraryNatsUsers,
  type SubjectPermissions,
  USER_ROLES,
  userPermissions,
} from "../../shared/nats/index.ts";

/**
 * The libraries a server (or cluster) serves: one, by `libraryId` (`[NATS] library_id`, carried
 * in every subject), or several, by `libraryIds`. Each library gets its own users, allowed only
 * its own subjects, named as shared/nats/nats-users.ts's `libraryNatsUsers` says: the first
 * library's after their service, every other's `<user>-<library id>`.
 */
export type NatsLibraries =
  | { readonly libraryId: string; readonly libraryIds?: undefined }
  | { readonly libraryIds: readonly string[]; readonly libraryId?: undefined };

/**
 * The ids of the libraries `libraries` names, in order.
 *
 * @example
 * servedLibraryIds({ libraryId: "default" }); // ["default"]
 */
export function servedLibraryIds(libraries: NatsLibraries): readonly string[] {
  return libraries.libraryIds ?? [libraries.libraryId];
}

export type NatsServerConfigOptions = NatsLibraries & {
  /** JetStream store folder; nats-server keeps its data in `<storeDir>/jetstream/`. */
  readonly storeDir: string;
  /** Address to listen on, e.g. 127.0.0.1 (only this machine) or 0.0.0.0. */
  readonly host: string;
  readonly port: number;
  /**
   * One password per user, by its name on the server (`ltfs`, `ltfs-zeus`: libraryNatsUsers),
   * written as plain text (see the file's header).
   */
  readonly passwords: Readonly<Record<string, string>>;
  /** Where nats-server writes its process id, or none. */
  readonly pidFile?: string;
  /** Comment lines put first (without `#`), e.g. to say the file is an example. */
  readonly preface?: readonly string[];
  /** This server's name, unique in a cluster (JetStream's RAFT groups know servers by it). */
  readonly serverName?: string;
  /** The cluster this server routes to, or none (a single server). */
  readonly cluster?: NatsClusterBlock;
};

/** The `cluster { }` block of one node: where it listens for routes and which routes it dials. */
export interface NatsClusterBlock {
  /** Cluster name; every node of one cluster has the same. */
  readonly name: string;
  /** Address and port other nodes' routes connect to. */
  readonly host: string;
  readonly port: number;
  /** `nats-route://host:port` of every node (its own is ignored by nats-server). */
  readonly routes: readonly string[];
}

/**
 * The text of a nats-server.conf for one pytarchive library (or several): listen address,
 * JetStream store and, for each library, one user per service plus `operator`, each with the
 * permissions of shared/nats/permissions.ts in its own library only. Passwords are plain text (nats-server also accepts bcrypt hashes,
 * but Node has no bcrypt built in): the file must be readable by root only.
 *
 * @example
 * const text = formatNatsServerConfig({ libraryId: "default", storeDir: "/var/lib/pytarchive/nats",
 *   host: "127.0.0.1", port: 14222, passwords });
 */
export function formatNatsServerConfig(options: NatsServerConfigOptions): string {
  checkPort(options.port);
  const lines = [
    ...(options.preface ?? []).map((line) => `# ${line}`.trimEnd()),
    ...(options.preface?.length ? [""] : []),
    ...describeLibraries(servedLibraryIds(options)),
    "# Written by infra/nats/nats-server-config.ts from shared/nats/permissions.ts; change the",
    "# permissions there, not here. Passwords are plain text: keep this file root-only (0600).",
    "",
    ...(options.serverName === undefined
      ? []
      : [`server_name: ${quote(options.serverName, "server name")}`]),
    `listen: ${quote(`${options.host}:${options.port}`, "listen address")}`,
    ...(options.pidFile === undefined ? [] : [`pid_file: ${quote(options.pidFile, "pid file")}`]),
    "",
    "jetstream {",
    `  store_dir: ${quote(options.storeDir, "store folder")}`,
    "}",
    "",
    ...(options.cluster === undefined ? [] : formatCluster(options.cluster)),
    "authorization {",
    "  users: [",
  ];
  const libraryIds = servedLibraryIds(options);
  const users = libraryNatsUsers(libraryIds);
  for (const user of users) {
    const password = options.passwords[user.name];
    if (password === undefined) {
      throw new PytarchiveError(
        "NATS_CONFIG_INVALID",
        `No password was given for NATS user "${user.name}".`,
        { hint: `Give a password for every user: ${users.map(({ name }) => name).join(", ")}.` },
      );
    }
    lines.push(...formatUser(user, libraryIds.length > 1, password).map((line) => `    ${line}`));
  }
  lines.push("  ]", "}", "");
  return lines.join("\n");
}

/** The file's first line, saying which libraries it serves and how their users are named. */
function describeLibraries(libraryIds: readonly string[]): string[] {
  const [first, ...others] = libraryIds.map((id) => JSON.stringify(id));
  if (others.length === 0) return [`# nats-server configuration for pytarchive library ${first}.`];
  return [
    `# nats-server configuration for pytarchive libraries ${[first, ...others].join(", ")}: each`,
    `# library has its own users, allowed only its own subjects. Those of ${first} are named after`,
    "# their service (ltfs), those of every other library <service>-<library id> (ltfs-zeus).",
  ];
}

/**
 * Writes {@link formatNatsServerConfig}'s text to `file` with mode 0600 (replacing it in one
 * step, so nats-server never reads half a file). Returns the file name.
 *
 * @example
 * writeNatsServerConfig({ file: "/var/lib/pytarchive/nats/nats-server.conf", libraryId: "default",
 *   storeDir: "/var/lib/pytarchive/nats", host: "127.0.0.1", port: 14222, passwords });
 */
export function writeNatsServerConfig(options: NatsServerConfigOptions & { file: string }): string {
  const text = formatNatsServerConfig(options);
  const temporary = `${options.file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, options.file);
  return options.file;
}

function formatCluster(cluster: NatsClusterBlock): string[] {
  checkPort(cluster.port);
  return [
    "cluster {",
    `  name: ${quote(cluster.name, "cluster name")}`,
    `  listen: ${quote(`${cluster.host}:${cluster.port}`, "route listen address")}`,
    "  routes: [",
    ...cluster.routes.map((route) => `    ${quote(route, "route")}`),
    "  ]",
    "}",
    "",
  ];
}

function formatUser(user: LibraryNatsUser, shared: boolean, password: string): string[] {
  const permissions: SubjectPermissions = userPermissions(user.libraryId, user.user);
  const library = shared ? ` (library ${JSON.stringify(user.libraryId)})` : "";
  return [
    `# ${user.name}${library}: ${USER_ROLES[user.user]}`,
    "{",
    `  user: ${quote(user.name, "user name")}`,
    `  password: ${quotePassword(user.name, password)}`,
    "  permissions: {",
    ...formatList("publish", permissions.publish),
    ...formatList("subscribe", permissions.subscribe),
    ...(permissions.allowResponses ? ["    allow_responses: true"] : []),
    "  }",
    "}",
  ];
}

function formatList(name: string, subjects: readonly string[]): string[] {
  return [
    `    ${name}: {`,
    "      allow: [",
    ...subjects.map((subject) => `        ${quote(subject, "subject")}`),
    "      ]",
    "    }",
  ];
}

/**
 * A double-quoted string of the nats-server config language. Quoting also keeps `$JS.…` from
 * being read as a variable reference. Values that would need escapes are refused instead.
 */
function quote(value: string, what: string): string {
  if (/["\\\n\r]/.test(value)) {
    throw new PytarchiveError(
      "NATS_CONFIG_INVALID",
      `The ${what} ${JSON.stringify(value)} cannot be written to nats-server.conf: it contains a quote, backslash or line break.`,
      { hint: `Choose a ${what} without those characters.` },
    );
  }
  return `"${value}"`;
}

function quotePassword(user: string, password: string): string {
  // The credentials file trims values, so a password must have no surrounding or inner blanks.
  // A leading "$2" would make nats-server take the password for a bcrypt hash.
  if (!/^[\x21-\x7e]+$/.test(password) || /["\\]/.test(password) || password.startsWith("$")) {
    throw new PytarchiveError(
      "NATS_CONFIG_INVALID",
      `The password of NATS user "${user}" cannot be used: passwords are printable ASCII without spaces, quotes or backslashes, and do not start with $.`,
      {
        hint: "Let the launcher generate passwords, or pick one from letters, digits and -_.~+/=.",
      },
    );
  }
  return `"${password}"`;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PytarchiveError(
      "NATS_CONFIG_INVALID",
      `NATS port ${port} is not a TCP port (1 to 65535).`,
      { hint: "Give a port such as 4222 or 14222." },
    );
  }
}
