import { chmodSync, renameSync, writeFileSync } from "node:fs";
import { PytarchiveError } from "../../shared/errors/index.ts";
import {
  NATS_USERS,
  type NatsUser,
  type SubjectPermissions,
  USER_ROLES,
  userPermissions,
} from "../../shared/nats/index.ts";

export interface NatsServerConfigOptions {
  /** Library id carried in every subject (`[NATS] library_id`). */
  readonly libraryId: string;
  /** JetStream store folder; nats-server keeps its data in `<storeDir>/jetstream/`. */
  readonly storeDir: string;
  /** Address to listen on, e.g. 127.0.0.1 (only this machine) or 0.0.0.0. */
  readonly host: string;
  readonly port: number;
  /** One password per user, written as plain text (see the file's header). */
  readonly passwords: Readonly<Record<NatsUser, string>>;
  /** Where nats-server writes its process id, or none. */
  readonly pidFile?: string;
  /** Comment lines put first (without `#`), e.g. to say the file is an example. */
  readonly preface?: readonly string[];
  /** This server's name, unique in a cluster (JetStream's RAFT groups know servers by it). */
  readonly serverName?: string;
  /** The cluster this server routes to, or none (a single server). */
  readonly cluster?: NatsClusterBlock;
}

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
 * The text of a nats-server.conf for one pytarchive library: listen address, JetStream store and
 * one user per service plus `operator`, each with the permissions of
 * shared/nats/permissions.ts. Passwords are plain text (nats-server also accepts bcrypt hashes,
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
    `# nats-server configuration for pytarchive library "${options.libraryId}".`,
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
  for (const user of NATS_USERS) {
    const password = options.passwords[user];
    if (password === undefined) {
      throw new PytarchiveError(
        "NATS_CONFIG_INVALID",
        `No password was given for NATS user "${user}".`,
        { hint: `Give a password for every user: ${NATS_USERS.join(", ")}.` },
      );
    }
    lines.push(
      ...formatUser(user, password, userPermissions(options.libraryId, user)).map(
        (line) => `    ${line}`,
      ),
    );
  }
  lines.push("  ]", "}", "");
  return lines.join("\n");
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

function formatUser(user: NatsUser, password: string, permissions: SubjectPermissions): string[] {
  return [
    `# ${user}: ${USER_ROLES[user]}`,
    "{",
    `  user: ${quote(user, "user name")}`,
    `  password: ${quotePassword(user, password)}`,
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
