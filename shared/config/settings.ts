import { TOOL_NAMES } from "./types.ts";

/** Where the configuration is read from unless PYTARCHIVE_CONFIG or `loadConfig({ path })` say otherwise. */
export const DEFAULT_CONFIG_PATH = "/etc/pytarchive/pytarchive.conf";

/** Environment variables the configuration reads; each wins over the file. */
export const CONFIG_ENV = {
  config: "PYTARCHIVE_CONFIG",
  stateDir: "PYTARCHIVE_STATE_DIR",
  natsUrl: "PYTARCHIVE_NATS_URL",
  natsCredentials: "PYTARCHIVE_NATS_CREDENTIALS",
  libraryId: "PYTARCHIVE_LIBRARY_ID",
  databaseUrl: "PYTARCHIVE_DATABASE_URL",
  toolsPath: "PYTARCHIVE_TOOLS_PATH",
  mountTable: "PYTARCHIVE_MOUNT_TABLE",
  library: "PYTARCHIVE_LIBRARY",
  simulate: "PYTARCHIVE_SIMULATE",
  smtpHost: "PYTARCHIVE_SMTP_HOST",
  smtpPort: "PYTARCHIVE_SMTP_PORT",
  smtpUser: "PYTARCHIVE_SMTP_USER",
  smtpPassword: "PYTARCHIVE_SMTP_PASSWORD",
  smtpAdmins: "PYTARCHIVE_SMTP_ADMINS",
  chatWebhookUrl: "PYTARCHIVE_CHAT_WEBHOOK_URL",
  logFile: "PYTARCHIVE_LOG_FILE",
  logLevel: "PYTARCHIVE_LOG_LEVEL",
} as const;

/** The section name pattern for one drive of several: `[Drive 0]`, `[Drive 1]`, … */
export const DRIVE_SECTION = /^Drive (\d+)$/;
/** How the drive sections are written in docs and messages. */
export const DRIVE_SECTION_LABEL = "Drive <n>";

/** One documented setting: docs/configuration.md has a table row for each (a test checks). */
export interface SettingDescription {
  /** Section name; "Drive <n>" stands for every `[Drive 0]`, `[Drive 1]`, … */
  readonly section: string;
  readonly key: string;
  /** The default, as the docs state it. */
  readonly defaultValue: string;
  /** Environment variable that overrides the file, or null. */
  readonly env: string | null;
  readonly meaning: string;
}

const toolSettings: SettingDescription[] = TOOL_NAMES.map((tool) => ({
  section: "Tools",
  key: tool,
  defaultValue: `\`${tool}\` (from [Tools] path, else PATH)`,
  env: null,
  meaning: `Command name or absolute path of \`${tool}\`.`,
}));

/** Every key the configuration knows, section by section. Anything else is refused. */
export const SETTINGS: readonly SettingDescription[] = [
  {
    section: "General",
    key: "tape_max_size",
    defaultValue: "`17138671616`",
    env: null,
    meaning: "Usable capacity of one tape in KiB (17138671616 KiB is an LTO-9 tape).",
  },
  {
    section: "General",
    key: "exclude_folders",
    defaultValue: "(none)",
    env: null,
    meaning: "Comma-separated folder names, relative to the archived folder, never copied.",
  },
  {
    section: "General",
    key: "source_folders",
    defaultValue: "(none)",
    env: null,
    meaning: "Comma-separated absolute paths whose subfolders `inventory` reports on.",
  },
  {
    section: "General",
    key: "scratch_path",
    defaultValue: "`<state_dir>/scratch`",
    env: null,
    meaning: "Absolute path where `prepare` writes tar archives of folders with many files.",
  },
  {
    section: "General",
    key: "keep_packed",
    defaultValue: "`no`",
    env: null,
    meaning:
      "`yes`: keep a folder's tar archive in `scratch_path` after it was archived and read back.",
  },
  {
    section: "Device",
    key: "library",
    defaultValue: "`/dev/sch0`",
    env: CONFIG_ENV.library,
    meaning: "The changer device given to `mtx -f` (not the tape drive).",
  },
  {
    section: "Device",
    key: "simulate",
    defaultValue: "`no`",
    env: CONFIG_ENV.simulate,
    meaning:
      "`yes`: a simulated library (`npm start` runs its own); its tapes are marked simulated.",
  },
  {
    section: "Device",
    key: "media_capacity",
    defaultValue: "(by the barcode's LTO generation)",
    env: null,
    meaning:
      "Capacity of one blank data cartridge in KiB, until LTFS reports it; capped by `tape_max_size`.",
  },
  {
    section: "Device",
    key: "drive_serial",
    defaultValue: "(none: drive 0 is `/dev/sg0`)",
    env: null,
    meaning: "Single-drive form: serial of drive 0, also used as its LTFS device name.",
  },
  {
    section: "Device",
    key: "mount_point",
    defaultValue: "`/ltfs`",
    env: null,
    meaning: "Single-drive form: absolute path where drive 0's tape is mounted.",
  },
  {
    section: DRIVE_SECTION_LABEL,
    key: "element",
    defaultValue: "`<n>`",
    env: null,
    meaning: "Data Transfer Element number of the drive in `mtx status` (0-based).",
  },
  {
    section: DRIVE_SECTION_LABEL,
    key: "device",
    defaultValue: "the `serial` (one of the two is required)",
    env: null,
    meaning: "LTFS device name (`ltfs -o devname=`, `mkltfs -d`): /dev/sgN, a serial or a path.",
  },
  {
    section: DRIVE_SECTION_LABEL,
    key: "mount_point",
    defaultValue: "`/ltfs<n>`",
    env: null,
    meaning: "Absolute path where this drive's tape is mounted.",
  },
  {
    section: DRIVE_SECTION_LABEL,
    key: "serial",
    defaultValue: "(none)",
    env: null,
    meaning: "Drive serial number as `tapeinfo` reports it.",
  },
  {
    section: "Export",
    key: "to",
    defaultValue: "`127.0.0.1`",
    env: null,
    meaning: "Who may mount an explored tape: a host, network (CIDR) or exportfs wildcard.",
  },
  {
    section: "Export",
    key: "settings",
    defaultValue: "`ro,fsid=1,no_subtree_check`",
    env: null,
    meaning: "`exportfs -o` options, comma-separated, no spaces; must not contain `rw`.",
  },
  {
    section: "Export",
    key: "max_seconds",
    defaultValue: "`604800` (7 days)",
    env: null,
    meaning: "The longest time `explore -t` may export a tape, in seconds.",
  },
  {
    section: "LTFS",
    key: "mount_options",
    defaultValue: "(none)",
    env: null,
    meaning: "Comma-separated; each becomes `-o X` on every `ltfs` mount.",
  },
  {
    section: "LTFS",
    key: "mkltfs_options",
    defaultValue: "(none)",
    env: null,
    meaning: "Whitespace-separated extra arguments for `mkltfs`, e.g. `-e file`.",
  },
  {
    section: "LTFS",
    key: "ltfsck_options",
    defaultValue: "(none)",
    env: null,
    meaning: "Whitespace-separated extra arguments for `ltfsck`, e.g. `-e file`.",
  },
  {
    section: "Tools",
    key: "path",
    defaultValue: "(none)",
    env: CONFIG_ENV.toolsPath,
    meaning: "Absolute folder searched first for every tool (a site's or the simulator's).",
  },
  ...toolSettings,
  {
    section: "Compression",
    key: "program",
    defaultValue: "`zstd`",
    env: null,
    meaning: "What `prepare` compresses packed folders with: `zstd` (multi-threaded) or `gzip`.",
  },
  {
    section: "Compression",
    key: "threads",
    defaultValue: "`0` (one per CPU)",
    env: null,
    meaning: "zstd worker threads for packing; gzip always uses one.",
  },
  {
    section: "Compression",
    key: "concurrency",
    defaultValue: "`1`",
    env: null,
    meaning:
      "How many jobs that need no drive (`prepare`, `inventory`) run at once, beside tape jobs.",
  },
  {
    section: "Paths",
    key: "mount_table",
    defaultValue: "`/proc/mounts`",
    env: CONFIG_ENV.mountTable,
    meaning: "The mount table mount state is read from.",
  },
  {
    section: "Paths",
    key: "state_dir",
    defaultValue: "`/var/lib/pytarchive`",
    env: CONFIG_ENV.stateDir,
    meaning: "Folder for the embedded database, the embedded NATS store and other state.",
  },
  {
    section: "NATS",
    key: "url",
    defaultValue: "(none: embedded nats-server)",
    env: CONFIG_ENV.natsUrl,
    meaning:
      "NATS server URL, e.g. `nats://nats.example.org:4222`; a cluster's nodes separated by commas, this host's first.",
  },
  {
    section: "NATS",
    key: "credentials_file",
    defaultValue: "(none)",
    env: CONFIG_ENV.natsCredentials,
    meaning: "Absolute path of this host's NATS credentials file.",
  },
  {
    section: "NATS",
    key: "library_id",
    defaultValue: "`default`",
    env: CONFIG_ENV.libraryId,
    meaning: "Library id carried in every subject; letters, digits, `_` and `-` only.",
  },
  {
    section: "NATS",
    key: "ack_wait",
    defaultValue: "`30`",
    env: null,
    meaning:
      "Seconds (10–600) before a step whose worker died (crash, kill, lost host) is taken up again.",
  },
  {
    section: "NATS",
    key: "replicas",
    defaultValue: "`1`",
    env: null,
    meaning:
      "Copies of every stream and key-value bucket: 1 (one NATS server), 3 or 5 (a cluster of at least that many).",
  },
  {
    section: "Database",
    key: "url",
    defaultValue: "(none: embedded PGlite)",
    env: CONFIG_ENV.databaseUrl,
    meaning: "PostgreSQL URL, e.g. `postgres://pytarchive@db.example.org/pytarchive`.",
  },
  {
    section: "HTTP",
    key: "port",
    defaultValue: "`8631`",
    env: null,
    meaning: "TCP port of the gateway's HTTP API, `/metrics` and status page.",
  },
  {
    section: "HTTP",
    key: "host",
    defaultValue: "`127.0.0.1`",
    env: null,
    meaning: "Address the HTTP API listens on; `0.0.0.0` for every interface (no login).",
  },
  {
    section: "SMTP",
    key: "host",
    defaultValue: "(none: logging.conf's mail host, else no mail)",
    env: CONFIG_ENV.smtpHost,
    meaning: "SMTP server that takes pytarchive's mail, e.g. `smarthost.example.org`.",
  },
  {
    section: "SMTP",
    key: "port",
    defaultValue: "`25` (`465` with `secure`)",
    env: CONFIG_ENV.smtpPort,
    meaning: "TCP port of the SMTP server; 587 is the usual submission port.",
  },
  {
    section: "SMTP",
    key: "secure",
    defaultValue: "`false`",
    env: null,
    meaning: "`true`: TLS from the first byte (SMTPS, port 465).",
  },
  {
    section: "SMTP",
    key: "starttls",
    defaultValue: "`false`",
    env: null,
    meaning: "`true`: send only over STARTTLS; `false`: use STARTTLS when the server offers it.",
  },
  {
    section: "SMTP",
    key: "user",
    defaultValue: "(none: no login)",
    env: CONFIG_ENV.smtpUser,
    meaning: "Login name at the SMTP server.",
  },
  {
    section: "SMTP",
    key: "password",
    defaultValue: "(none)",
    env: CONFIG_ENV.smtpPassword,
    meaning: "Login password (write `%` as `%%`); never shown in messages or logs.",
  },
  {
    section: "SMTP",
    key: "from",
    defaultValue: "logging.conf's sender, else `pytarchive@<host name>`",
    env: null,
    meaning: "Sender address, e.g. `pytarchive@example.org` or `Tape archive <tapes@example.org>`.",
  },
  {
    section: "SMTP",
    key: "admins",
    defaultValue: "logging.conf's recipients, else (none)",
    env: CONFIG_ENV.smtpAdmins,
    meaning: "Comma-separated addresses that get failure mails and reports.",
  },
  {
    section: "SMTP",
    key: "subject_prefix",
    defaultValue: "`pytarchive`",
    env: null,
    meaning: "Start of every subject, e.g. `pytarchive: Task failed — archive 3fa2b1c0`.",
  },
  {
    section: "SMTP",
    key: "logging_conf",
    defaultValue: "`/etc/pytarchive/logging.conf`",
    env: null,
    meaning: "The original's logging.conf; its SMTPHandler fills in what [SMTP] leaves out.",
  },
  {
    section: "Chat",
    key: "webhook_url",
    defaultValue: "(none: no chat messages)",
    env: CONFIG_ENV.chatWebhookUrl,
    meaning: "Slack- or Mattermost-compatible incoming webhook (http or https URL).",
  },
  {
    section: "Chat",
    key: "username",
    defaultValue: "`pytarchive`",
    env: null,
    meaning: "Name the chat messages are posted under.",
  },
  {
    section: "Logging",
    key: "file",
    defaultValue: "logging.conf's log file, else `/var/log/pytarchive.log`",
    env: CONFIG_ENV.logFile,
    meaning: "The log file (JSON lines), rotated by size; empty: no file, only standard error.",
  },
  {
    section: "Logging",
    key: "level",
    defaultValue: "`info`",
    env: CONFIG_ENV.logLevel,
    meaning: "Lowest level logged: `debug`, `info`, `warn` or `error`.",
  },
  {
    section: "Logging",
    key: "max_bytes",
    defaultValue: "logging.conf's, else `10485760`",
    env: null,
    meaning: "Size in bytes at which the file is rotated to `.1`, `.1` to `.2`, …; 0: never.",
  },
  {
    section: "Logging",
    key: "backup_count",
    defaultValue: "logging.conf's, else `5`",
    env: null,
    meaning: "How many rotated files are kept (`.1` is the newest).",
  },
  {
    section: "Inventory",
    key: "schedule",
    defaultValue: "(none: only when asked)",
    env: null,
    meaning: "When `inventory` runs by itself: a 5-field cron expression, e.g. `0 6 * * 1`.",
  },
  {
    section: "Inventory",
    key: "probe_timeout",
    defaultValue: "`10`",
    env: null,
    meaning: "Seconds a subfolder may take to answer before it is listed as unreadable.",
  },
  {
    section: "Services",
    key: "processes",
    defaultValue: "`split`",
    env: null,
    meaning:
      "Processes `npm start` runs the services in: `split` (data path apart), `each` or `one`.",
  },
];

/** Known keys of a section name as written in the file (`Drive 3` → the drive keys), or null. */
export function knownKeysOf(sectionName: string): readonly string[] | null {
  const pattern = DRIVE_SECTION.test(sectionName) ? DRIVE_SECTION_LABEL : sectionName;
  const keys = SETTINGS.filter((setting) => setting.section === pattern).map((s) => s.key);
  return keys.length === 0 ? null : keys;
}

/** Section names as the docs list them, in order, without duplicates. */
export const KNOWN_SECTIONS: readonly string[] = [...new Set(SETTINGS.map((s) => s.section))];
