import net from "node:net";
import path from "node:path";
import { type Setting, settingError } from "./settings-source.ts";

/*
 * Parsers from one setting's text to a typed value. Each throws `settingError`, whose message
 * names file, section, key and value; the `problem` texts here say what a valid value looks like.
 */

const TAPE_SIZE_EXAMPLE = "17138671616 is an LTO-9 tape";

/** `tape_max_size`: a positive whole number of KiB. Numbers above 2^31 are fine. */
export function parseKiB(setting: Setting): number {
  // Python's int() accepts 17_138_671_616, so files written for the original may have it.
  if (!/^\d+(_\d+)*$/.test(setting.text)) {
    throw settingError(setting, `expected a whole number of KiB (${TAPE_SIZE_EXAMPLE})`);
  }
  const value = Number(setting.text.replaceAll("_", ""));
  if (value === 0) {
    throw settingError(setting, `expected a whole number of KiB above 0 (${TAPE_SIZE_EXAMPLE})`);
  }
  if (!Number.isSafeInteger(value)) {
    throw settingError(setting, `is too large for a tape size in KiB (${TAPE_SIZE_EXAMPLE})`);
  }
  return value;
}

/** A comma-separated list; newlines (continuation lines) separate entries too; empty entries dropped. */
export function parseList(setting: Setting): string[] {
  return setting.text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

/** An absolute path, normalised (`/ltfs/` → `/ltfs`). */
export function parseAbsolutePath(setting: Setting, example: string): string {
  return checkAbsolute(setting, setting.text.trim(), example);
}

/** A comma-separated list of absolute paths. */
export function parseAbsolutePathList(setting: Setting, example: string): string[] {
  return parseList(setting).map((entry) => checkAbsolute(setting, entry, example));
}

function checkAbsolute(setting: Setting, entry: string, example: string): string {
  const quoted = entry === setting.text.trim() ? "" : `${JSON.stringify(entry)} `;
  if (entry === "")
    throw settingError(setting, `is empty; expected an absolute path, e.g. ${example}`);
  if (!path.posix.isAbsolute(entry)) {
    throw settingError(setting, `${quoted}is not an absolute path; expected e.g. ${example}`);
  }
  const normalised = path.posix.normalize(entry);
  return normalised.length > 1 ? normalised.replace(/\/+$/, "") : normalised;
}

/** `exclude_folders`: names relative to the archived folder, no leading `/`, no `.` or `..`. */
export function parseRelativeFolderList(setting: Setting): string[] {
  const example = "e.g. .local, .cache, .config";
  return parseList(setting).map((entry) => {
    if (entry.startsWith("/")) {
      throw settingError(
        setting,
        `${JSON.stringify(entry)} starts with /; expected folder names relative to the archived folder, ${example}`,
      );
    }
    if (entry.split("/").some((part) => part === ".." || part === ".")) {
      throw settingError(
        setting,
        `${JSON.stringify(entry)} contains "." or ".."; expected folder names inside the archived folder, ${example}`,
      );
    }
    return entry.replace(/\/+$/, "");
  });
}

/** A value that must not be empty (`library`, a drive's `device`). */
export function parseNonEmpty(setting: Setting, expected: string): string {
  const value = setting.text.trim();
  if (value === "") throw settingError(setting, `is empty; expected ${expected}`);
  return value;
}

/** One word without whitespace (a drive serial). */
export function parseWord(setting: Setting, expected: string): string {
  const value = parseNonEmpty(setting, expected);
  if (/\s/.test(value)) throw settingError(setting, `contains whitespace; expected ${expected}`);
  return value;
}

/** A drive's element number: a non-negative whole number. */
export function parseElement(setting: Setting): number {
  const text = setting.text.trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw settingError(
      setting,
      "expected the drive's Data Transfer Element number from `mtx status`: 0, 1, 2, …",
    );
  }
  return value;
}

/** `[Export] to`: one exportfs client: a host, an IP network, a wildcard or a netgroup. */
export function parseExportClient(setting: Setting): string {
  const value = setting.text.trim();
  if (!isExportClient(value)) {
    throw settingError(
      setting,
      "expected one exportfs client: a network such as 192.168.0.0/16, a host such as " +
        "nfs-client.example.org or 10.1.2.3, or a wildcard such as *.example.org",
    );
  }
  return value;
}

function isExportClient(value: string): boolean {
  if (value === "*" || /^@[\w.-]+$/.test(value)) return true;
  const [address = "", mask, ...extra] = value.split("/");
  if (extra.length > 0) return false;
  const bracketed = /^\[(.*)\]$/.exec(address);
  if (net.isIPv6(bracketed?.[1] ?? address)) {
    return mask === undefined || isPrefixLength(mask, 128);
  }
  if (/^[\d.]+$/.test(address)) {
    if (!net.isIPv4(address)) return false;
    return mask === undefined || isPrefixLength(mask, 32) || net.isIPv4(mask);
  }
  const label = "[A-Za-z0-9*?](?:[A-Za-z0-9*?-]*[A-Za-z0-9*?])?";
  return mask === undefined && new RegExp(`^${label}(?:\\.${label})*$`).test(address);
}

function isPrefixLength(text: string, maximum: number): boolean {
  return /^\d{1,3}$/.test(text) && Number(text) <= maximum;
}

/** `[Export] settings`: exportfs options, comma-separated, no spaces, never `rw`. */
export function parseExportOptions(setting: Setting): string {
  const value = setting.text.trim();
  if (value === "" || /\s/.test(value)) {
    throw settingError(
      setting,
      `${value === "" ? "is empty" : "contains spaces"}; expected exportfs options separated by commas, e.g. ro,fsid=1`,
    );
  }
  if (value.split(",").includes("rw")) {
    throw settingError(
      setting,
      "contains rw; explored tapes are exported read-only, e.g. ro,fsid=1",
      "Remove rw (or replace it with ro).",
    );
  }
  return value;
}

/** `[LTFS] mount_options`: comma-separated; each entry becomes `-o entry`. */
export function parseMountOptions(setting: Setting): string[] {
  return parseList(setting).map((entry) => {
    if (entry.startsWith("-") || /\s/.test(entry)) {
      throw settingError(
        setting,
        `${JSON.stringify(entry)} is not an ltfs -o option; write the options without -o, separated by commas, e.g. sync_type=unmount, capture_index`,
      );
    }
    if (/^devname=/.test(entry)) {
      throw settingError(
        setting,
        `${JSON.stringify(entry)}: the device name is set per drive; use [Drive <n>] device or [Device] drive_serial`,
      );
    }
    return entry;
  });
}

/**
 * `[LTFS] mkltfs_options` / `ltfsck_options`: whitespace-separated arguments. Quotes are not
 * interpreted (no shell is involved), so they are refused rather than passed on literally.
 */
export function parseArguments(setting: Setting, refused: readonly RefusedArgument[]): string[] {
  const args = setting.text.split(/\s+/).filter((arg) => arg !== "");
  for (const arg of args) {
    if (/["']/.test(arg)) {
      throw settingError(
        setting,
        `${JSON.stringify(arg)} contains a quote; arguments are split at whitespace and quotes are not interpreted, e.g. -e file`,
      );
    }
    const rule = refused.find((candidate) => candidate.matches(arg));
    if (rule)
      throw settingError(setting, `${JSON.stringify(arg)} is not allowed here: ${rule.reason}`);
  }
  return args;
}

export interface RefusedArgument {
  matches(arg: string): boolean;
  readonly reason: string;
}

/** Arguments of mkltfs the product sets itself, or that would let it destroy a written tape. */
export const REFUSED_MKLTFS_ARGUMENTS: readonly RefusedArgument[] = [
  {
    matches: (arg) => /^-d/.test(arg) || arg.startsWith("--device"),
    reason: "the device is set per drive ([Drive <n>] device or [Device] drive_serial)",
  },
  {
    matches: (arg) => /^-[fw]/.test(arg) || /^--(force|wipe)/.test(arg),
    reason: "-f/--force and -w/--wipe would let mkltfs erase a tape that holds archives",
  },
];

/** A `[Tools]` key: a command name (looked up on PATH) or an absolute path. */
export function parseToolCommand(setting: Setting): string {
  const value = setting.text.trim();
  if (value === "" || (value.includes("/") && !path.posix.isAbsolute(value))) {
    throw settingError(
      setting,
      `expected a command name found on PATH (e.g. ${setting.origin.key}) or an absolute path (e.g. /usr/local/bin/${setting.origin.key})`,
    );
  }
  return value;
}

/** `[NATS] url`: nats://, tls://, ws:// or wss:// URL, or host:port. Empty means "none". */
export function parseNatsUrl(setting: Setting): string | null {
  const value = setting.text.trim();
  if (value === "") return null;
  const servers = value.split(",").map((server) => server.trim());
  const expected =
    "expected a NATS server URL such as nats://nats.example.org:4222, or several (the nodes of a cluster) separated by commas";
  for (const server of servers) {
    if (server.includes("://")) {
      const url = parseUrl(server);
      if (!url || !["nats:", "tls:", "ws:", "wss:"].includes(url.protocol) || url.hostname === "") {
        throw settingError(setting, expected);
      }
    } else if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(server)) {
      throw settingError(setting, expected);
    }
  }
  return servers.join(",");
}

/** `[Database] url`: postgres:// or postgresql:// URL. Empty means "none". */
export function parseDatabaseUrl(setting: Setting): string | null {
  const value = setting.text.trim();
  if (value === "") return null;
  const url = parseUrl(value);
  if (!url || !["postgres:", "postgresql:"].includes(url.protocol)) {
    throw settingError(
      setting,
      "expected a PostgreSQL URL such as postgres://pytarchive@db.example.org:5432/pytarchive",
    );
  }
  return value;
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** An optional absolute path: empty means "none". */
export function parseOptionalAbsolutePath(setting: Setting, example: string): string | null {
  return setting.text.trim() === "" ? null : parseAbsolutePath(setting, example);
}

/** `[NATS] library_id`: one NATS subject token. */
export function parseLibraryId(setting: Setting): string {
  const value = setting.text.trim();
  if (!/^[A-Za-z0-9_-]+$/.test(value)) {
    throw settingError(
      setting,
      "expected letters, digits, _ and - only (it is part of every NATS subject), e.g. tl2000-basement",
    );
  }
  return value;
}

/** A whole number from `min` to `max`; otherwise CONFIG_INVALID saying what was `expected`. */
export function parseWholeNumber(
  setting: Setting,
  min: number,
  max: number,
  expected: string,
): number {
  const text = setting.text.trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw settingError(setting, expected);
  return value;
}

/** A duration in whole seconds, at least 1 and at most 10 years (a typo's bound). */
export function parseSeconds(setting: Setting): number {
  return parseWholeNumber(
    setting,
    1,
    10 * 366 * 24 * 3600,
    "expected a whole number of seconds from 1 up, e.g. 604800 (7 days)",
  );
}

/**
 * `[NATS] ack_wait`: whole seconds, 10 to 600. Shorter, a worker whose event loop is busy for a
 * few seconds (small-file I/O, an embedded catalog) misses its heartbeat (every third of it) and
 * its step is delivered a second time while it still runs; above 10 minutes a crashed step waits
 * longer than anyone would.
 */
export function parseAckWait(setting: Setting): number {
  return parseWholeNumber(
    setting,
    10,
    600,
    "expected a whole number of seconds from 10 to 600, e.g. 30",
  );
}

/**
 * `[NATS] replicas`: how many NATS servers keep a copy of every stream and key-value bucket: 1
 * (one server), 3 or 5 (a cluster). JetStream allows at most 5, and an even count survives no
 * more lost servers than the odd count below it while needing one more for every write.
 */
export function parseReplicas(setting: Setting): number {
  const expected =
    "expected 1 (a single NATS server), 3 or 5 (a NATS cluster of at least that many servers): an odd number from 1 to 5";
  const value = parseWholeNumber(setting, 1, 5, expected);
  if (value % 2 === 0) throw settingError(setting, expected);
  return value;
}

/** `[HTTP] port`: a TCP port, 1 to 65535. */
export function parsePort(setting: Setting): number {
  return parseWholeNumber(setting, 1, 65535, "expected a TCP port from 1 to 65535, e.g. 8631");
}

/** `[HTTP] host`: the address to listen on: an IP address or a host name, no port. */
export function parseListenHost(setting: Setting): string {
  const value = setting.text.trim();
  if (net.isIP(value) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(value)) {
    throw settingError(
      setting,
      "expected an address to listen on: 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or a host name",
    );
  }
  return value;
}
