import type { LogLevel } from "../logging/index.ts";
import type { ProcessLayout } from "./services-settings.ts";

/** One tape drive of the library, as the product addresses it. */
export interface DriveConfig {
  /** Data Transfer Element number in `mtx status` (0-based). */
  readonly element: number;
  /** Device name LTFS opens (`ltfs -o devname=…`, `mkltfs -d …`): /dev/sgN, a drive serial, or a path. */
  readonly device: string;
  /** Where this drive's tape is mounted. */
  readonly mountPoint: string;
  /** Serial number as `tapeinfo` reports it, when known (the original's `drive_serial`). */
  readonly serial: string | null;
}

/** External tools the product runs; each value is a command name (looked up on PATH) or a path. */
export interface ToolPaths {
  readonly mtx: string;
  readonly tapeinfo: string;
  readonly mkltfs: string;
  readonly ltfs: string;
  readonly ltfsck: string;
  readonly exportfs: string;
  readonly fuser: string;
  readonly umount: string;
}

export const TOOL_NAMES = [
  "mtx",
  "tapeinfo",
  "mkltfs",
  "ltfs",
  "ltfsck",
  "exportfs",
  "fuser",
  "umount",
] as const satisfies readonly (keyof ToolPaths)[];

/** Programs `prepare` can compress a packed folder with. */
export const COMPRESSION_PROGRAMS = ["zstd", "gzip"] as const;
export type CompressionProgram = (typeof COMPRESSION_PROGRAMS)[number];

/** The whole configuration, typed and validated; every value has been defaulted. */
export interface PytarchiveConfig {
  /** The file the configuration was read from, or null when only defaults and environment were used. */
  readonly source: string | null;
  readonly general: {
    /** Usable capacity of one tape in KiB (17138671616 KiB is an LTO-9 tape). */
    readonly tapeMaxSizeKiB: number;
    /** Folder names, relative to the folder being archived, that are never copied. */
    readonly excludeFolders: readonly string[];
    /** Absolute paths whose subfolders `inventory` reports on. */
    readonly sourceFolders: readonly string[];
    /** Where `prepare` writes tar archives of folders with too many files. */
    readonly scratchPath: string;
    /**
     * `[General] keep_packed`: a folder's tar archive stays in scratch_path after the folder was
     * archived and read back (by default it is removed then).
     */
    readonly keepPacked: boolean;
  };
  readonly device: {
    /** The changer device (`mtx -f`), e.g. /dev/sch0. */
    readonly library: string;
    readonly drives: readonly DriveConfig[];
    /**
     * True when the library is a simulation (`[Device] simulate = yes`, `npm start -- --simulate`):
     * the launcher runs the built-in one, and every tape it reports is marked simulated.
     */
    readonly simulate: boolean;
    /**
     * `[Device] media_capacity`: what one blank cartridge holds, in KiB, when the library says so
     * (the simulated one does); null: its barcode's LTO generation tells it.
     */
    readonly mediaCapacityKiB: number | null;
  };
  readonly export: {
    /** Network allowed to mount an explored tape, e.g. 192.168.0.0/16. */
    readonly to: string;
    /** exportfs options, e.g. ro,fsid=1. */
    readonly settings: string;
    /** The longest `explore -t`, in seconds (7 days by default). */
    readonly maxSeconds: number;
  };
  readonly ltfs: {
    /** Extra `-o` options for every `ltfs` mount, e.g. ["sync_type=unmount", "capture_index"]. */
    readonly mountOptions: readonly string[];
    /** Extra arguments for `mkltfs`, e.g. ["-e", "file"] or ["--no-compression"]. */
    readonly mkltfsOptions: readonly string[];
    /** Extra arguments for `ltfsck`, e.g. ["-e", "file"]. */
    readonly ltfsckOptions: readonly string[];
  };
  readonly tools: ToolPaths;
  readonly compression: {
    /** What packed folders are compressed with: zstd (multi-threaded) or gzip. */
    readonly program: CompressionProgram;
    /** zstd worker threads; 0 means one per CPU. gzip always uses one. */
    readonly threads: number;
    /** How many jobs that need no drive (prepare, inventory) run at once, beside tape jobs. */
    readonly concurrency: number;
  };
  readonly nats: {
    /**
     * NATS server URL, or several separated by commas (the nodes of a cluster, tried in this
     * order); null means: start an embedded nats-server in the state folder.
     */
    readonly url: string | null;
    /** Credentials file (user and password, root-only) for this client, or null. */
    readonly credentialsFile: string | null;
    /** Library id carried in every subject, so one NATS cluster can serve several libraries. */
    readonly libraryId: string;
    /**
     * JetStream ack wait of a step, in seconds: how long a step taken by a worker that died waits
     * before another worker (or the same one, restarted) takes it. A live worker says so every
     * third of it.
     */
    readonly ackWaitSeconds: number;
    /**
     * How many NATS servers keep a copy of every stream and key-value bucket pytarchive creates:
     * 1 on a single server, 3 or 5 on a cluster (so that losing one, or two, loses nothing).
     */
    readonly replicas: number;
  };
  readonly database: {
    /** PostgreSQL URL; null means: embedded PGlite in `<stateDir>/catalog`. */
    readonly url: string | null;
  };
  readonly http: {
    /** TCP port of the gateway's HTTP API and status page. */
    readonly port: number;
    /** Address the HTTP API listens on; loopback by default (it has no authentication). */
    readonly host: string;
  };
  readonly paths: {
    /** The mount table the product reads mount state from. */
    readonly mountTable: string;
    /** Folder for the embedded database, the embedded NATS server's store and other state. */
    readonly stateDir: string;
  };
  /** Mail through an SMTP server; the notifier sends it (services/notifier). */
  readonly smtp: {
    /** SMTP server name or address; null: logging.conf's mail host, else no mail is sent. */
    readonly host: string | null;
    /** TCP port; 25, or 465 with `secure`. */
    readonly port: number;
    /** Implicit TLS from the first byte (SMTPS, usually port 465). */
    readonly secure: boolean;
    /** Refuse to send unless the server offers STARTTLS (otherwise it is used when offered). */
    readonly starttls: boolean;
    /** Login name, or null to send without logging in. */
    readonly user: string | null;
    /** Login password, or null. Never printed: see redactConfig. */
    readonly password: string | null;
    /** Sender address; null: logging.conf's, else `pytarchive@<this host>`. */
    readonly from: string | null;
    /** Who gets failure mails and reports sent without recipients. */
    readonly admins: readonly string[];
    /** Start of every subject pytarchive writes, e.g. "pytarchive: Task failed". */
    readonly subjectPrefix: string;
    /** The original's logging.conf, whose SMTPHandler supplies defaults; read when it exists. */
    readonly loggingConf: string | null;
  };
  /** Chat-ops: a Slack- or Mattermost-compatible incoming webhook. */
  readonly chat: {
    /** http(s) URL messages are posted to; null: no chat messages. */
    readonly webhookUrl: string | null;
    /** The name the messages are posted under. */
    readonly username: string;
  };
  /** `[Logging]`; what is left unset comes from logging.conf's RotatingFileHandler, else the defaults. */
  readonly logging: {
    /** The log file; null: none (`file =` empty); undefined: not set here. */
    readonly file: string | null | undefined;
    readonly level: LogLevel;
    /** Size at which the file is rotated (0: never); undefined: not set here. */
    readonly maxBytes: number | undefined;
    /** Rotated files kept (`.1` … `.N`); undefined: not set here. */
    readonly backupCount: number | undefined;
  };
  /** `[Services]`: how `npm start` lays the services out in processes. */
  readonly services: {
    /** `one` (in the launcher), `split` (data path apart from the rest) or `each`. */
    readonly processes: ProcessLayout;
  };
  readonly inventory: {
    /** When `inventory` runs by itself: a 5-field cron expression; null: only when asked. */
    readonly schedule: string | null;
    /** How long a subfolder may take to answer before it is listed as unreadable. */
    readonly probeTimeoutSeconds: number;
  };
}
