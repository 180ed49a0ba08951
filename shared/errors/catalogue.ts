/*
 * Every error code pytarchive gives, once: what it means, whether trying again later may cure it,
 * the gateway HTTP API's status for it and what to do by default. Codes are stable (the CLI's
 * `--json` output and scripts match on them); a retired code is never reused. docs/errors.md is
 * generated from this list (`npm run docs:errors`).
 */

/** The chapters of docs/errors.md, in order. */
export const ERROR_AREAS = [
  "Commands and paths",
  "Catalog and jobs",
  "Steps and the scheduler",
  "Prepare and inventory",
  "Archive, restore and LTFS",
  "Verification",
  "Export over NFS",
  "Changer, drives and tapes",
  "Originals",
  "Services and NATS",
  "Launcher and runner",
  "Configuration",
  "Command line",
  "Notifications",
  "External commands",
  "Simulated library",
  "Operator scripts",
] as const;

export type ErrorArea = (typeof ERROR_AREAS)[number];

/** The gateway HTTP API's statuses: refused, not found, conflicting state, failed, unavailable. */
export type HttpStatus = 400 | 404 | 409 | 500 | 503;

export interface ErrorSpec {
  readonly area: ErrorArea;
  /** One line, in the user's words. */
  readonly meaning: string;
  /** A retry may cure it: an unreachable service, changer, catalog or NATS, a timeout, a busy device. */
  readonly transient: boolean;
  readonly httpStatus: HttpStatus;
  /** What to do, when the thrower has nothing more precise to say. */
  readonly hint: string;
}

type Spec = Omit<ErrorSpec, "area">;

/** A kind of error: its HTTP status and whether a retry may cure it. */
function kind(httpStatus: HttpStatus, transient: boolean) {
  return (meaning: string, hint: string): Spec => ({ meaning, transient, httpStatus, hint });
}

const refusal = kind(400, false);
const notFound = kind(404, false);
const conflict = kind(409, false);
const failure = kind(500, false);
const unavailable = kind(503, true);
/** Failed unexpectedly, but a retry may cure it (the service may have lost its database). */
const flaky = kind(500, true);

const LOG_HINT = "Look at the service's log for the details, then try again.";
const QUEUE_HINT = "Run `pytarchive queue` (or `pytarchive history`) to see the job's state.";
const START_HINT =
  "Start pytarchive (`npm start`, or the pytarchive systemd unit), then try again.";

const COMMANDS = {
  INVALID_ARGUMENT: refusal(
    "A command or request has an argument that is missing or not allowed; nothing was changed.",
    "Run `pytarchive <verb> --help` for the verb's arguments.",
  ),
  PATH_NOT_ABSOLUTE: refusal(
    "A folder was given as a relative path.",
    "Give the full path, starting with /.",
  ),
  FOLDER_NOT_FOUND: notFound(
    "The folder does not exist (on disk, or in the catalog).",
    "Check the path; `pytarchive summary` lists the folders the catalog knows.",
  ),
  NOT_A_FOLDER: refusal("The path is a file, not a folder.", "Give the path of a folder."),
  TARGET_NOT_EMPTY: conflict(
    "The folder to restore into is not empty.",
    "Restore into a new or empty folder.",
  ),
  INVALID_NAME: refusal(
    "A name (of an archive or folder on tape) has characters or a length that is not allowed.",
    "Use a name without slashes or control characters, at most 255 bytes long.",
  ),
  PATH_UNREACHABLE: unavailable(
    "A path could not be checked in time (a hung network mount) or at all (permissions).",
    "Check that the network drive is mounted and readable by pytarchive, then try again.",
  ),
} as const satisfies Record<string, Spec>;

const CATALOG = {
  LEGACY_FILE_INVALID: refusal(
    "The original pytarchive's database.json or queue.json is not as its code writes it; nothing was imported.",
    "Fix the line and field the message names (or take the file from a backup), then run `pytarchive import-legacy` again.",
  ),
  LEGACY_TASK_FAILED: failure(
    "A task had failed under the original pytarchive before its queue was imported.",
    "Requeue it (`pytarchive requeue ID`) to run it with this pytarchive, or abort it (`pytarchive abort ID`).",
  ),
  LEGACY_NOT_ADOPTED: conflict(
    "The folder was archived by the original pytarchive and has no checksums yet, so it cannot be restored file by file.",
    "Adopt it first (`pytarchive verify --adopt FOLDER`), then requeue the task (`pytarchive requeue ID`).",
  ),
  UNKNOWN_TAPE: notFound(
    "No tape with that barcode is in the catalog.",
    "Run `pytarchive tapes` to see the known tapes.",
  ),
  TAPE_IN_OTHER_LIBRARY: conflict(
    "The tape (or the tape holding the folder) is in another tape library that shares this catalog; this library cannot load it.",
    "Run the same command against that library: `PYTARCHIVE_LIBRARY_ID=<its id> pytarchive …` (or its host's `[NATS] library_id`).",
  ),
  JOB_IN_OTHER_LIBRARY: conflict(
    "The job belongs to another tape library that shares this catalog; only that library's pytarchive acts on it.",
    "Ask that library: `PYTARCHIVE_LIBRARY_ID=<its id> pytarchive queue`.",
  ),
  UNKNOWN_JOB: notFound(
    "No job with that id is in the catalog.",
    "Run `pytarchive queue` or `pytarchive history` for the job ids.",
  ),
  CLEANING_TAPE: refusal(
    "The tape is a cleaning tape; nothing can be archived on it.",
    "Choose a data tape (`pytarchive tapes`).",
  ),
  FOLDER_NOT_PREPARED: conflict(
    "The folder has not been prepared, so it cannot be archived yet.",
    "Run `pytarchive prepare <folder> <description>` first.",
  ),
  FOLDER_ALREADY_ARCHIVED: conflict(
    "The folder is already archived.",
    "`pytarchive summary` shows where it is; to archive a second copy, prepare it again under another name.",
  ),
  FOLDER_NOT_ARCHIVED: conflict(
    "The folder is not archived, so it cannot be restored or verified.",
    "Archive it first (`pytarchive archive <folder> <tape>`).",
  ),
  FOLDER_ALREADY_KNOWN: conflict(
    "The folder is already prepared, being archived or archived.",
    "Run `pytarchive summary` to see its state.",
  ),
  FOLDER_STATE_TRANSITION: conflict(
    "The folder cannot move from its current state to the one asked for.",
    "Run `pytarchive summary` to see its state.",
  ),
  FOLDER_NOT_ARCHIVING: conflict(
    "Files were reported for a folder that is not being archived.",
    QUEUE_HINT,
  ),
  NAME_TAKEN_ON_TAPE: conflict(
    "The tape already holds an archived folder with that name.",
    "Choose another tape, or prepare the folder under another name.",
  ),
  TAPE_TOO_FULL: conflict(
    "The tape has not enough room left for the folder.",
    "Choose a tape with more room (`pytarchive tapes`), or a blank one.",
  ),
  TAPE_STATE_CONFLICT: conflict(
    "The tape cannot take that state (blank with folders on it, full while blank, retired).",
    "Run `pytarchive tapes` to see the tape's state.",
  ),
  JOB_ALREADY_QUEUED: conflict(
    "The folder or tape already has an unfinished job of the same kind.",
    "Run `pytarchive queue` to see it; abort it first to queue a new one.",
  ),
  JOB_STATE_CONFLICT: conflict(
    "The job is not in a state that allows the change (e.g. requeue a job that did not fail).",
    QUEUE_HINT,
  ),
  JOB_ABORT_REQUESTED: conflict(
    "The job's result could not become permanent: an abort was asked for first.",
    QUEUE_HINT,
  ),
  FILES_INCOMPLETE: conflict(
    "A folder was reported archived with fewer (or more) files recorded than the job wrote.",
    "Requeue the archive job (`pytarchive requeue <job>`).",
  ),
  FILE_CHECKSUM_MISSING: conflict(
    "A recorded file has no checksum, so it cannot be restored or verified safely.",
    "Archive the folder again to record its checksums.",
  ),
  JOB_ID_EXHAUSTED: failure("No free job id was found after several random tries.", LOG_HINT),
  CATALOG_UNREACHABLE: unavailable(
    "The catalog's PostgreSQL did not answer or refused the login.",
    "Check `[Database] url` and that PostgreSQL runs, then try again.",
  ),
  CATALOG_IN_USE: conflict(
    "Another process has the embedded catalog open.",
    "Stop the other pytarchive (or wait until it ends), then try again.",
  ),
  CATALOG_OPEN_FAILED: failure(
    "The embedded catalog's data folder could not be opened.",
    "Check that the state folder exists and is writable by pytarchive.",
  ),
  CATALOG_MIGRATION_FAILED: failure(
    "The catalog could not be brought up to date, or a newer pytarchive changed it.",
    "Run the newest pytarchive, or restore the catalog from its backup.",
  ),
  ARCHIVE_SOURCE_MISSING: conflict(
    "The original folder is unreachable or gone (e.g. its NFS server is down).",
    "Check that the network drive is mounted, then requeue the job.",
  ),
  ARCHIVE_PACK_MISSING: conflict(
    "The packed archive of a compressed folder is gone from scratch_path.",
    "Prepare the folder again (`pytarchive prepare`).",
  ),
} as const satisfies Record<string, Spec>;

const STEPS = {
  INVALID_JOB_ARGUMENTS: failure(
    "A job reached a service without the arguments its step needs.",
    "Abort the job and queue it again; if it recurs, report it with the service's log.",
  ),
  UNKNOWN_STEP: failure(
    "A service was asked for a step it does not know (services of different versions).",
    "Run the same pytarchive version for every service.",
  ),
  STEP_INTERRUPTED: failure(
    "A step was interrupted (the service stopped or restarted) before it finished.",
    "Requeue the job (`pytarchive requeue <job>`).",
  ),
  STEP_FAILED: failure("A step failed without saying why.", LOG_HINT),
  STEP_STOPPED: failure(
    "A service reported a step stopped although nobody asked to abort its job, so the job failed.",
    "Requeue the job (`pytarchive requeue <job>`) once the service runs again.",
  ),
  WORKER_SILENT: failure(
    "The service running a step stopped reporting progress.",
    "Check that the service runs, then requeue the job.",
  ),
  JOB_HAS_NO_DRIVE: failure(
    "A tape job reached a step that needs a drive before one was given to it.",
    "Requeue the job; if it recurs, report it with the scheduler's log.",
  ),
  DRIVE_HOLDS_UNLABELLED_TAPE: failure(
    "A drive holds a tape without a barcode label, so pytarchive cannot tell which it is.",
    "Unload the tape by hand, label it, then requeue the job.",
  ),
  WORK_DELIVERIES_EXHAUSTED: failure(
    "A step was tried as often as allowed and failed every time.",
    LOG_HINT,
  ),
  LEASE_LOST: failure(
    "A service lost its hold on the library (or a drive) while it worked.",
    "Check that NATS runs, then requeue the job.",
  ),
  LEASE_RELEASED: failure(
    "A hold on the library (or a drive) was used after it was given back.",
    LOG_HINT,
  ),
  FILE_WORKER_FAILED: flaky(
    "A worker thread that reads, writes or hashes file data failed; the files, the tape and the drive are not at fault, and nothing was concluded about them.",
    "The step is tried again on its own; if the job still fails, requeue it (`pytarchive requeue <job>`) and report it with the service's log.",
  ),
  LEASE_WAIT_ABORTED: failure(
    "Waiting for the library (or a drive) was given up: the job was aborted or the service stopped.",
    QUEUE_HINT,
  ),
} as const satisfies Record<string, Spec>;

const PREPARE = {
  FOLDER_IS_SYMLINK: refusal(
    "The folder is a symbolic link; pytarchive archives real folders only.",
    "Give the folder the link points to.",
  ),
  FOLDER_UNREADABLE: failure(
    "The folder (or a file in it) cannot be read by pytarchive.",
    "Check the permissions of the folder and its files.",
  ),
  EXCLUDE_FOLDER_INVALID: refusal(
    "A name in `exclude_folders` is not a plain folder name.",
    "Fix `[General] exclude_folders` in pytarchive.conf.",
  ),
  MEASURE_ABORTED: failure("Measuring the folder was stopped.", QUEUE_HINT),
  ARCHIVE_NAME_INVALID: refusal(
    "The name for the packed archive is not allowed.",
    "Use a name without slashes or control characters.",
  ),
  COMPRESSION_UNKNOWN: refusal(
    "The compression asked for is not one pytarchive knows.",
    "Use zstd or gzip (`[Compression] program`).",
  ),
  SCRATCH_PATH_MISSING: failure(
    "scratch_path does not exist.",
    "Create the folder, or set `[General] scratch_path` to one that exists.",
  ),
  SCRATCH_INSIDE_FOLDER: refusal(
    "scratch_path is inside the folder to pack.",
    "Set `[General] scratch_path` outside the folders you archive.",
  ),
  SCRATCH_FULL: failure(
    "scratch_path has not enough room for the packed archive.",
    "Free room in scratch_path (or choose a larger one), then requeue the job.",
  ),
  SCRATCH_NAME_TAKEN: conflict(
    "scratch_path already holds an archive of another folder under that name.",
    "Remove the old archive from scratch_path once it is archived, then requeue.",
  ),
  ARCHIVE_EXISTS: conflict(
    "The packed archive already exists in scratch_path.",
    "Remove it if it is not needed, then requeue the job.",
  ),
  PARTIAL_ARCHIVE_EXISTS: conflict(
    "An unfinished packed archive from an earlier run is in scratch_path.",
    "Remove the partial file, then requeue the job.",
  ),
  TAR_UNSUPPORTED: failure(
    "The installed tar cannot do what pytarchive needs (GNU tar is required).",
    "Install GNU tar.",
  ),
  COMPRESSOR_NOT_INSTALLED: failure(
    "The compressor (zstd or gzip) is not installed.",
    "Install it (`apt-get install zstd`), or choose another compression.",
  ),
  FOLDER_CHANGED_WHILE_PACKING: failure(
    "The folder changed while it was packed, so the archive would not match it.",
    "Make sure nobody writes into the folder, then requeue the job.",
  ),
  PACK_FAILED: failure("Packing the folder failed.", LOG_HINT),
  PACK_ABORTED: failure("Packing the folder was stopped.", QUEUE_HINT),
  PACK_TIMED_OUT: failure(
    "Packing the folder took longer than allowed.",
    "Check the folder's network drive, then requeue the job.",
  ),
  ARCHIVE_UNREADABLE: failure(
    "The packed archive could not be read back to check it.",
    "Prepare the folder again.",
  ),
  ARCHIVE_INCOMPLETE: failure(
    "The packed archive holds fewer files than the folder.",
    "Prepare the folder again.",
  ),
  INVENTORY_ABORTED: failure("Taking the inventory of the network drives was stopped.", QUEUE_HINT),
  INVENTORY_PROBE_FAILED: failure(
    "A folder of the network drives could not be looked at during the inventory.",
    "Check that the network drive is mounted and readable, then try again.",
  ),
} as const satisfies Record<string, Spec>;

const ARCHIVE = {
  FOLDER_NOT_READY: conflict("The folder is not in a state to be written to tape.", QUEUE_HINT),
  ARCHIVE_SOURCE_UNREADABLE: failure(
    "A file of the folder could not be read while copying it to tape.",
    "Check the file's permissions and the network drive, then requeue the job.",
  ),
  ARCHIVE_NAME_TAKEN: conflict(
    "The tape already has a folder with that name (on the tape itself).",
    "Choose another tape, or prepare the folder under another name.",
  ),
  ARCHIVE_TAPE_FULL: failure(
    "The tape ran out of room while the folder was copied.",
    "Archive the folder on another tape; the space used on this one is not freed.",
  ),
  ARCHIVE_TAPE_WRITE_FAILED: failure(
    "Writing to the tape failed.",
    "Try another tape; if several fail, clean the drive.",
  ),
  ARCHIVE_ABORTED: failure("The copy to tape was stopped.", QUEUE_HINT),
  ARCHIVE_INVALID_EXCLUDE: refusal(
    "An exclude pattern for the copy is not valid.",
    "Fix `[General] exclude_folders` in pytarchive.conf.",
  ),
  TAPE_CATALOG_MISMATCH: failure(
    "What is on the tape does not match what the catalog says is on it.",
    "Stop using the tape; compare it with `pytarchive tapes` and report it.",
  ),
  TAPE_BLANK: conflict(
    "The tape is blank (not LTFS-formatted), so there is nothing to read on it.",
    "Check the barcode; only an archived tape can be read.",
  ),
  TAPE_READ_ONLY: conflict(
    "The tape is write-protected.",
    "Slide the tape's write-protect tab to write, or choose another tape.",
  ),
  TAPE_NOT_MOUNTED: conflict(
    "The tape is not mounted where the step expected it.",
    "Requeue the job.",
  ),
  TAPE_LEFT_MOUNTED: failure(
    "pytarchive stopped, but a tape could not be unmounted.",
    "Unmount it by hand (`umount <mount point>`) and wait until no ltfs process is left.",
  ),
  MOUNT_TABLE_UNPARSEABLE: failure(
    "The mount table could not be read.",
    "Check `[Paths] mount_table` in pytarchive.conf; it should be /proc/mounts.",
  ),
  MANIFEST_INVALID: failure(
    "The manifest written beside an archived folder is not valid.",
    "Verify the folder (`pytarchive verify <folder>`).",
  ),
  MANIFEST_UNREADABLE: failure(
    "The manifest beside an archived folder could not be read.",
    "Verify the folder (`pytarchive verify <folder>`).",
  ),
  RESTORE_TARGET_INVALID: refusal(
    "The folder to restore into cannot be used.",
    "Restore into a new or empty folder you can write to.",
  ),
  RESTORE_SUBFOLDER_INVALID: refusal(
    "The subfolder to restore is not a path inside the archived folder.",
    "Give the subfolder relative to the archived folder, without `..`.",
  ),
  RESTORE_SUBFOLDER_NOT_FOUND: notFound(
    "The archived folder has no such subfolder.",
    "Check the subfolder's name.",
  ),
  RESTORE_ENTRY_INVALID: failure(
    "A file recorded in the catalog has a path that cannot be restored safely.",
    "Report it; the other files can be restored one subfolder at a time.",
  ),
  RESTORE_PATH_OCCUPIED: conflict(
    "Continuing a restore, a folder stands where the archive has a file.",
    "Move that folder away, then requeue the restore.",
  ),
  RESTORE_READ_FAILED: failure(
    "A file could not be read from the tape.",
    "Requeue the restore; if it fails again, clean the drive.",
  ),
  RESTORE_WRITE_FAILED: failure(
    "A restored file could not be written.",
    "Check the room and permissions of the folder restored into, then requeue.",
  ),
  RESTORE_CHECKSUM_MISMATCH: failure(
    "A file read from tape does not match its recorded checksum.",
    "Requeue the restore; if it fails again, the file on tape is damaged.",
  ),
  RESTORE_ABORTED: failure("The restore was stopped.", QUEUE_HINT),
  RESTORE_UNPACK_FAILED: failure(
    "The packed archive read from tape could not be unpacked.",
    "Check the room in the folder restored into, then requeue.",
  ),
  LTFS_INVALID_VOLUME_SERIAL: refusal(
    "The LTFS volume serial is not 6 digits and capital letters.",
    "Use the first six characters of the tape's barcode.",
  ),
  LTFS_TAPE_ALREADY_FORMATTED: conflict(
    "The tape is already LTFS-formatted, so it was not formatted.",
    "Look at its contents first; format it again only when it may be erased.",
  ),
  LTFS_TAPE_NOT_FORMATTED: conflict(
    "The tape holds no LTFS volume.",
    "Format it (it is formatted when it is first archived onto).",
  ),
  LTFS_TAPE_NEEDS_RECOVERY: failure(
    "The tape's LTFS index is inconsistent and needs `ltfsck`.",
    "Run `ltfsck` on the tape's drive, then try again.",
  ),
  LTFS_TAPE_INCONSISTENT: failure(
    "The tape's LTFS volume is damaged.",
    "Run `ltfsck` on the tape's drive; stop using the tape if it fails.",
  ),
  LTFS_TAPE_WRITE_PROTECTED: conflict(
    "The tape is write-protected.",
    "Slide the tape's write-protect tab, or choose another tape.",
  ),
  LTFS_DEVICE_UNAVAILABLE: failure(
    "The tape drive could not be opened (busy, or gone).",
    "Check that no other program uses the drive, then try again.",
  ),
  LTFS_TAPE_MOUNTED: conflict(
    "The tape is mounted, so it cannot be formatted or checked.",
    "Unmount it first.",
  ),
  LTFS_MOUNT_POINT_MISSING: failure(
    "The folder to mount the tape on does not exist.",
    "Create it, or fix `[Drive <n>] mount_point`.",
  ),
  LTFS_MOUNT_POINT_IN_USE: conflict(
    "Something is already mounted where the tape should be mounted.",
    "Unmount it first.",
  ),
  LTFS_MOUNT_NOT_CONFIRMED: failure(
    "LTFS started but the tape did not show up as mounted.",
    "Look at the LTFS messages in the log, then try again.",
  ),
  LTFS_NOT_MOUNTED: conflict("Nothing is mounted at that mount point.", "Mount the tape first."),
  LTFS_UNMOUNT_BUSY: conflict(
    "The tape could not be unmounted: files on it are still open.",
    "Close what uses the mount point (`fuser -vm <mount point>`), then try again.",
  ),
  LTFS_STILL_RUNNING: conflict(
    "LTFS is still writing its index after the unmount.",
    "Wait until no ltfs process is left (`pgrep -af ltfs`), then try again.",
  ),
  LTFS_COMMAND_FAILED: failure(
    "An LTFS tool failed.",
    "Look at the LTFS messages in the log, then try again.",
  ),
} as const satisfies Record<string, Spec>;

const VERIFICATION = {
  VERIFY_MISMATCH: failure(
    "Files read back from the tape do not match the catalog.",
    "Archive the folder again on another tape; keep the original.",
  ),
  VERIFY_WRONG_FOLDER: failure(
    "The folder on the tape is not the one the catalog records there.",
    "Stop using the tape and report it.",
  ),
  VERIFY_FOLDER_MISSING: failure(
    "The archived folder is not on the tape.",
    "Archive the folder again; keep the original.",
  ),
  VERIFY_ABORTED: failure("Verifying the folder was stopped.", QUEUE_HINT),
  TAPE_IMPORT_PROBLEMS: failure(
    "Importing a tape recorded what it could, but some folders on it were not recorded (a damaged manifest, a name or path the catalog has elsewhere) or differ from what the catalog has.",
    "Read the job's message in `pytarchive history`: each folder is named with what is wrong. The tape was not changed; folders recorded are archived, not verified.",
  ),
} as const satisfies Record<string, Spec>;

const EXPORT = {
  EXPORT_NOT_CONFIRMED: failure(
    "The tape's NFS export did not show up in the export table.",
    "Check the NFS server (`exportfs -v`), then try again.",
  ),
  UNEXPORT_NOT_CONFIRMED: failure(
    "The tape's NFS export is still in the export table after removing it.",
    "Remove it by hand (`exportfs -u`), then try again.",
  ),
  EXPORTFS_OUTPUT_UNPARSEABLE: failure(
    "exportfs printed something pytarchive could not read.",
    "Check that nfs-kernel-server's exportfs is installed.",
  ),
  EXPORTFS_REQUIRES_FSID: failure(
    "The NFS server needs an fsid to export the tape's FUSE mount.",
    "Report it; the export options need an fsid.",
  ),
  EXPORTFS_FAILED: failure("exportfs failed.", "Check the NFS server's log, then try again."),
} as const satisfies Record<string, Spec>;

const CHANGER = {
  CHANGER_UNAVAILABLE: unavailable(
    "The changer service could not be reached or the library did not answer.",
    "Check that the changer service runs and the library is switched on; it is tried again.",
  ),
  CHANGER_MISSING: failure(
    "The changer device of `[Device] library` does not exist.",
    "Fix `[Device] library`, or start with `--simulate` to try pytarchive without tapes.",
  ),
  CHANGER_IS_SIMULATED: conflict(
    "The changer is a simulated library, but a real one was asked for (or the other way round).",
    "Start with (or without) `--simulate` as the state folder was first used.",
  ),
  SIMULATED_LIBRARY_MIXED: conflict(
    "[Device] library is a simulated library's changer, but a drive is not its drive, or a drive or tool is another simulated library's.",
    "Take the [Tools], [Device] and [Drive n] lines of one library together (`pytarchive-sim env`).",
  ),
  CLEAR_DRIVE_FAILED: unavailable(
    "A drive could not be cleared.",
    "Check that the NATS server runs with JetStream, then try again.",
  ),
  TAPE_NOT_IN_LIBRARY: notFound(
    "The tape is not in the library.",
    "Put the tape in the library, then try again.",
  ),
  TAPE_STILL_MOUNTED: conflict(
    "The tape is still mounted, so it cannot be unloaded.",
    "Wait until its job ends, or unmount it first.",
  ),
  TAPE_IN_OTHER_DRIVE: conflict(
    "The tape is in another drive.",
    "Wait until that drive's job ends, then try again.",
  ),
  TAPE_IN_DRIVE: conflict("The tape is in a drive.", "Unload it first."),
  TAPE_IN_IMPORT_EXPORT_SLOT: conflict(
    "The tape is in an import/export slot.",
    "Move it into a storage slot first.",
  ),
  CLEANING_TAPE_NOT_LOADABLE: refusal(
    "A cleaning tape cannot be loaded for a job.",
    "Choose a data tape.",
  ),
  DRIVE_NOT_IN_LIBRARY: notFound("The library has no such drive.", "Check the drive number."),
  DRIVE_NOT_CONFIGURED: refusal(
    "The drive has no device configured.",
    "Add a `[Drive <n>]` section for it in pytarchive.conf.",
  ),
  DRIVE_OCCUPIED: conflict("The drive already holds a tape.", "Unload it first."),
  DRIVE_BLOCKED: conflict(
    "The drive is blocked after a failure and takes no tape.",
    "Check the drive, then clear it (`pytarchive clear-drive <drive>`).",
  ),
  SLOT_NOT_IN_LIBRARY: notFound("The library has no such slot.", "Check the slot number."),
  SLOT_OCCUPIED: conflict("The slot already holds a tape.", "Choose an empty slot."),
  NO_HOME_SLOT: conflict(
    "The tape has no storage slot to go back to.",
    "Free a storage slot in the library.",
  ),
  HOME_SLOT_OCCUPIED: conflict(
    "The tape's home slot holds another tape.",
    "Move the other tape away, then try again.",
  ),
  MOVE_NOT_COMPLETED: failure(
    "The library did not complete a tape move.",
    "Check the library's front panel, then try again.",
  ),
  MTX_STATUS_UNPARSEABLE: failure(
    "mtx status printed something pytarchive could not read.",
    "Check that the changer device is right (`[Device] library`).",
  ),
  MTX_STATUS_INCOMPLETE: failure(
    "mtx status did not list the whole library.",
    "Try again; if it recurs, check the library.",
  ),
  MTX_STATUS_FAILED: failure(
    "mtx status failed.",
    "Check that the library is switched on and connected, then try again.",
  ),
  MTX_SOURCE_EMPTY: conflict(
    "The library has no tape where the move starts.",
    "Take the inventory again (the library changed), then try again.",
  ),
  MTX_DESTINATION_FULL: conflict(
    "The library has a tape where the move should end.",
    "Take the inventory again (the library changed), then try again.",
  ),
  MTX_DRIVE_ALREADY_FULL: conflict("The drive already holds a tape.", "Unload it first."),
  MTX_SLOT_ALREADY_FULL: conflict("The slot already holds a tape.", "Choose an empty slot."),
  MTX_DRIVE_EMPTY: conflict("The drive holds no tape.", "Check the library's inventory."),
  MTX_MEDIUM_REMOVAL_PREVENTED: conflict(
    "The drive refuses to give up its tape (it is still in use).",
    "Unmount the tape first; the changer tries again after a moment.",
  ),
  MTX_NOT_READY: unavailable("The library is not ready.", "Wait a moment, then try again."),
  MTX_DEVICE_BUSY: unavailable(
    "The changer device is busy.",
    "Wait until the other program is done with the library, then try again.",
  ),
  MTX_DEVICE_OPEN_FAILED: failure(
    "The changer device could not be opened.",
    "Check `[Device] library` and that pytarchive may open it.",
  ),
  MTX_INVALID_ARGUMENT: failure(
    "mtx was given an element the library does not have.",
    "Take the inventory again, then try again.",
  ),
  MTX_MOVE_FAILED: failure("The library failed a tape move.", "Check the library, then try again."),
  TAPEINFO_DEVICE_BUSY: unavailable(
    "The tape drive is busy.",
    "Wait until the other program is done with the drive, then try again.",
  ),
  TAPEINFO_DEVICE_OPEN_FAILED: failure(
    "The tape drive could not be opened.",
    "Check `[Drive <n>] device` and that pytarchive may open it.",
  ),
  TAPEINFO_FAILED: failure("tapeinfo failed.", "Check the drive, then try again."),
  TAPEINFO_UNPARSEABLE: failure(
    "tapeinfo printed something pytarchive could not read.",
    "Check that the drive's device is right.",
  ),
  FUSER_OUTPUT_UNPARSEABLE: failure(
    "fuser printed something pytarchive could not read.",
    "Check that psmisc's fuser is installed.",
  ),
  FUSER_KILL_FAILED: failure(
    "The processes using a tape's mount point could not be stopped.",
    "Stop them by hand (`fuser -vm <mount point>`), then try again.",
  ),
  FUSER_FAILED: failure("fuser failed.", "Check that psmisc's fuser is installed."),
} as const satisfies Record<string, Spec>;

const ORIGINALS = {
  TARGET_OVERLAPS_ORIGINAL: refusal(
    "The folder to restore into is (or is inside, or holds) an original folder.",
    "Restore into a new folder outside the archived originals.",
  ),
  TARGET_IN_SCRATCH: refusal(
    "The folder to restore into is inside scratch_path.",
    "Restore into a folder outside scratch_path.",
  ),
  TARGET_OVERLAPS_PYTARCHIVE_FOLDER: refusal(
    "The folder to restore into overlaps a folder pytarchive uses itself.",
    "Restore into a folder outside pytarchive's state, mount and scratch folders.",
  ),
  FOLDER_OVERLAPS_ORIGINAL: refusal(
    "The folder overlaps a folder already prepared or archived.",
    "Archive each folder once: choose the parent or the child, not both.",
  ),
  FOLDER_OVERLAPS_PYTARCHIVE_FOLDER: refusal(
    "The folder overlaps a folder pytarchive uses itself.",
    "Choose a folder outside pytarchive's state, mount and scratch folders.",
  ),
  OVERLAPS_RESTORE_TARGET: refusal(
    "The folder overlaps the target of a queued or running restore.",
    "Wait until the restore is done, then try again.",
  ),
} as const satisfies Record<string, Spec>;

const SERVICES = {
  SERVICE_NOT_RUNNING: unavailable("No service answers on NATS for that request.", START_HINT),
  SERVICE_TIMEOUT: unavailable(
    "A service did not answer in time.",
    "Try again; if it recurs, look at the service's log.",
  ),
  NATS_REQUEST_FAILED: unavailable(
    "A request over NATS failed (the connection was lost).",
    "Check that the NATS server runs, then try again.",
  ),
  SERVICE_REPLY_INVALID: failure(
    "A service answered with something that is not a valid reply (services of different versions).",
    "Run the same pytarchive version for every service.",
  ),
  INTERNAL_ERROR: flaky("A service failed unexpectedly while answering.", LOG_HINT),
  UNEXPECTED_ERROR: failure("Something failed that pytarchive did not expect.", LOG_HINT),
  MESSAGE_SCHEMA_INVALID: failure(
    "A message does not have the fields its subject requires.",
    "Run the same pytarchive version for every service and the CLI.",
  ),
  INVALID_SUBJECT_TOKEN: refusal(
    "A name cannot be used in a NATS subject.",
    "Use letters, digits, '-' and '_' only.",
  ),
  INVALID_LIBRARY_ID: refusal(
    "The library id cannot be used in NATS subjects and stream names.",
    "Set `[NATS] library_id` to 1 to 64 letters, digits, '-' or '_', e.g. lib1.",
  ),
  NATS_UNREACHABLE: unavailable("The NATS server could not be reached.", START_HINT),
  NATS_AUTH_FAILED: failure(
    "The NATS server refused the credentials.",
    "Check `[NATS] credentials_file` (or $PYTARCHIVE_NATS_CREDENTIALS).",
  ),
  NATS_PERMISSION_DENIED: refusal(
    "The NATS server refused this NATS user a subject of another service or library.",
    "Give the credentials of this service in this library (`[NATS] credentials_file`).",
  ),
  NATS_URL_MISSING: failure(
    "No NATS URL is configured.",
    "Set `[NATS] url` in pytarchive.conf (or $PYTARCHIVE_NATS_URL).",
  ),
  NATS_CREDENTIALS_INVALID: failure(
    "The NATS credentials file is not valid.",
    "Check the file `[NATS] credentials_file` names.",
  ),
  NATS_CREDENTIALS_TOO_OPEN: failure(
    "Others may read the NATS credentials file.",
    "Make it readable by its owner only (`chmod 600`).",
  ),
  NATS_CREDENTIALS_UNREADABLE: failure(
    "The NATS credentials file could not be read.",
    "Check the file's path and permissions.",
  ),
  NATS_JETSTREAM_UNAVAILABLE: failure(
    "The NATS server runs without JetStream.",
    "Start nats-server with JetStream (`-js`), as `npm start` does.",
  ),
  NATS_KV_SETUP_FAILED: failure("A NATS key-value bucket could not be set up.", LOG_HINT),
  NATS_STREAM_CONFLICT: failure(
    "A NATS stream exists with settings pytarchive does not expect.",
    "Remove the stream (`nats stream rm`) so pytarchive can create it again.",
  ),
  NATS_STREAM_SETUP_FAILED: failure("A NATS stream could not be set up.", LOG_HINT),
  NATS_REPLICAS_UNAVAILABLE: failure(
    "The NATS servers cannot keep as many copies of a stream as `[NATS] replicas` asks.",
    "Set `[NATS] replicas = 1` on a single NATS server; on a cluster, run at least that many servers.",
  ),
  NATS_CONSUMER_CONFLICT: failure(
    "A NATS consumer exists with settings pytarchive does not expect.",
    "Remove the consumer (`nats consumer rm`) so pytarchive can create it again.",
  ),
  NATS_CONSUMER_SETUP_FAILED: failure("A NATS consumer could not be set up.", LOG_HINT),
  NATS_CONFIG_INVALID: failure(
    "The NATS server's configuration could not be written.",
    "Check the NATS settings in pytarchive.conf.",
  ),
  NATS_PORT_INVALID: failure(
    "The port for npm start's own NATS server is not a TCP port.",
    "Give a number from 1 to 65535 (--nats-port or $PYTARCHIVE_NATS_PORT).",
  ),
  NATS_PORT_IN_USE: conflict(
    "Another program listens on the port of npm start's own NATS server.",
    "Stop it, or choose a free port (--nats-port or $PYTARCHIVE_NATS_PORT).",
  ),
  NATS_SERVER_NOT_INSTALLED: failure(
    "nats-server is not installed.",
    "Install it (`apt-get install nats-server`).",
  ),
  NATS_SERVER_NOT_STARTED: failure("nats-server could not be started.", LOG_HINT),
  NATS_SERVER_START_TIMEOUT: failure(
    "nats-server did not become ready in time.",
    "Try again; if it recurs, look at nats-server's log in the state folder.",
  ),
  NATS_SERVER_STOPPED: failure("nats-server stopped unexpectedly.", LOG_HINT),
  NATS_SERVER_FAILED: failure("nats-server failed.", LOG_HINT),
  NATS_SERVER_UNUSABLE: failure(
    "The installed nats-server cannot run pytarchive's configuration (too old?).",
    "Install nats-server 2.10 or newer.",
  ),
  SERVICE_HAS_NO_NATS_USER: failure(
    "A service has no NATS user in the credentials.",
    "Run the same pytarchive version for the launcher and the services.",
  ),
  EMBEDDED_CLIENT_INVALID: failure(
    "The file `npm start` writes for the CLI is not valid.",
    "Restart pytarchive (`npm start`) to write it again.",
  ),
  EMBEDDED_CLIENT_UNREADABLE: failure(
    "The file `npm start` writes for the CLI could not be read.",
    "Run the CLI as a user that may read the state folder.",
  ),
  EMBEDDED_CREDENTIALS_MISMATCH: failure(
    "The embedded NATS credentials do not match the state folder's.",
    "Restart pytarchive (`npm start`).",
  ),
} as const satisfies Record<string, Spec>;

const LAUNCHER = {
  PYTARCHIVE_NOT_RUNNING: unavailable(
    "pytarchive is not running on this machine and no NATS URL is configured.",
    START_HINT,
  ),
  LAUNCHER_ALREADY_RUNNING: conflict(
    "pytarchive already runs with this state folder.",
    "Use the running one, or stop it first.",
  ),
  LAUNCHER_LOCK_FAILED: failure(
    "The state folder's lock file could not be taken.",
    "Check that the state folder is writable by pytarchive.",
  ),
  STATE_DIR_UNWRITABLE: failure(
    "The state folder cannot be written.",
    "Set `[Paths] state_dir` (or $PYTARCHIVE_STATE_DIR) to a writable folder.",
  ),
  SETPRIV_NOT_INSTALLED: failure(
    "setpriv (util-linux) is not installed, so services cannot drop privileges.",
    "Install util-linux.",
  ),
  HTTP_LISTEN_FAILED: failure(
    "The gateway's HTTP API cannot listen on its port.",
    "Set a free port with `[HTTP] port` in pytarchive.conf.",
  ),
  UNKNOWN_SERVICE: refusal("--only names a service that does not exist.", "Check the names."),
  NO_SERVICE_SELECTED: refusal("--only names no service.", "Name at least one service."),
  SERVICE_PROCESS_EXITED: failure(
    "A service process of the launcher ended while it was starting or stopping.",
    "Look at the log for its last lines; after a stop, check that no tape is left mounted (`grep ltfs /proc/mounts`).",
  ),
  SERVICE_PROCESS_HUNG: failure(
    "A service process of the launcher did not stop in time and was killed.",
    "Check that no tape is left mounted (`grep ltfs /proc/mounts`) before switching the host off.",
  ),
} as const satisfies Record<string, Spec>;

const CONFIGURATION = {
  CONFIG_NOT_FOUND: failure(
    "The configuration file does not exist.",
    "Create it, or point $PYTARCHIVE_CONFIG at it.",
  ),
  CONFIG_UNREADABLE: failure("The configuration file could not be read.", "Check its permissions."),
  CONFIG_SYNTAX: failure(
    "The configuration file is not valid INI.",
    "Fix the line the message names.",
  ),
  CONFIG_INVALID: failure(
    "A setting has a value that is not allowed.",
    "Fix the setting the message names (docs/configuration.md lists them).",
  ),
  LOGGING_CONF_INVALID: failure(
    "The logging configuration (mail and chat) is not valid.",
    "Fix the file the message names.",
  ),
} as const satisfies Record<string, Spec>;

const COMMAND_LINE = {
  CLI_USAGE: refusal("The command line is not valid.", "Run `pytarchive --help`."),
  CLI_FILE_UNREADABLE: failure(
    "A file named on the command line could not be read.",
    "Check the file's path and permissions.",
  ),
  CLI_FILE_TOO_LARGE: refusal(
    "A file named on the command line is larger than any file of its kind; it was not read.",
    "Check that the right file was named.",
  ),
} as const satisfies Record<string, Spec>;

const NOTIFICATIONS = {
  MAIL_NOT_SENT: unavailable(
    "A notification mail could not be sent.",
    "Check the SMTP settings and that the mail server answers.",
  ),
  CHAT_NOT_SENT: unavailable(
    "A chat notification could not be posted.",
    "Check the chat webhook URL and that it answers.",
  ),
  NOTIFY_CHANNEL_UNKNOWN: refusal(
    "A notification asked for a channel pytarchive does not have.",
    "Use mail or chat.",
  ),
} as const satisfies Record<string, Spec>;

const EXTERNAL_COMMANDS = {
  COMMAND_NOT_FOUND: failure(
    "A program pytarchive runs is not installed.",
    "Install it, or add its folder to the `[Tools]` section.",
  ),
  COMMAND_NOT_STARTED: failure(
    "A program pytarchive runs could not be started.",
    "Check its permissions.",
  ),
  COMMAND_FAILED: failure("A program pytarchive runs failed.", LOG_HINT),
  COMMAND_TIMEOUT: failure(
    "A program pytarchive runs did not finish in time.",
    "Try again; if it recurs, check the device or network drive it used.",
  ),
  COMMAND_ABORTED: failure("A program pytarchive ran was stopped.", QUEUE_HINT),
} as const satisfies Record<string, Spec>;

const SIMULATOR = {
  SIM_USAGE: refusal("The simulator's command line is not valid.", "Run it with --help."),
  SIM_INVALID_OPTION: refusal(
    "An option of the simulated library is not valid.",
    "Run the simulator with --help.",
  ),
  SIM_NO_LIBRARY: failure(
    "No simulated library exists in that folder.",
    "Create one first (`create`), or start with `--simulate`.",
  ),
  SIM_STATE_NOT_EMPTY: conflict(
    "The folder for a new simulated library is not empty.",
    "Choose an empty folder.",
  ),
} as const satisfies Record<string, Spec>;

const OPERATOR_SCRIPTS = {
  SCRIPT_USAGE: refusal(
    "An operator script's command line is not valid.",
    "Run the script with --help.",
  ),
  DISCOVER_NO_CHANGER: notFound(
    "`lsscsi -g` lists no medium changer on this machine.",
    "Check that the library is connected and switched on and that its changer LUN is enabled (`lsscsi -g` should show a `mediumx` line); on a machine without a library use the simulated one (`--tools-path <state>/sim/bin`).",
  ),
  BUNDLE_NOT_WRITTEN: failure(
    "The support bundle could not be written.",
    "Check that the output folder is writable and has room, or name another with --output.",
  ),
} as const satisfies Record<string, Spec>;

function inArea<T extends Record<string, Spec>>(
  area: ErrorArea,
  specs: T,
): { [K in keyof T]: ErrorSpec } {
  return Object.fromEntries(
    Object.entries(specs).map(([code, spec]) => [code, { area, ...spec }]),
  ) as { [K in keyof T]: ErrorSpec };
}

/** Every error code, with what it means and what to do. */
export const ERROR_CATALOGUE = {
  ...inArea("Commands and paths", COMMANDS),
  ...inArea("Catalog and jobs", CATALOG),
  ...inArea("Steps and the scheduler", STEPS),
  ...inArea("Prepare and inventory", PREPARE),
  ...inArea("Archive, restore and LTFS", ARCHIVE),
  ...inArea("Verification", VERIFICATION),
  ...inArea("Export over NFS", EXPORT),
  ...inArea("Changer, drives and tapes", CHANGER),
  ...inArea("Originals", ORIGINALS),
  ...inArea("Services and NATS", SERVICES),
  ...inArea("Launcher and runner", LAUNCHER),
  ...inArea("Configuration", CONFIGURATION),
  ...inArea("Command line", COMMAND_LINE),
  ...inArea("Notifications", NOTIFICATIONS),
  ...inArea("External commands", EXTERNAL_COMMANDS),
  ...inArea("Simulated library", SIMULATOR),
  ...inArea("Operator scripts", OPERATOR_SCRIPTS),
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** A code that is no longer given, and the code that took its place (null: never raised). */
export interface RetiredCode {
  readonly replacedBy: ErrorCode | null;
  /** The version and day from which pytarchive gives the new code instead. */
  readonly since: { readonly version: string; readonly date: string };
}

const MERGED_2026_12_07 = { version: "0.1.0", date: "2026-12-07" } as const;

/**
 * Codes merged into others or dropped. Scripts and jobs failed earlier (their stored error)
 * still carry them; a retired code is never given again, nor reused for something else.
 */
export const RETIRED_CODES: Readonly<Record<string, RetiredCode>> = {
  JOB_NOT_FOUND: { replacedBy: "UNKNOWN_JOB", since: MERGED_2026_12_07 },
  TAPE_NOT_FOUND: { replacedBy: "UNKNOWN_TAPE", since: MERGED_2026_12_07 },
  FOLDER_NAME_TAKEN_ON_TAPE: { replacedBy: "NAME_TAKEN_ON_TAPE", since: MERGED_2026_12_07 },
  FOLDER_NOT_ABSOLUTE: { replacedBy: "PATH_NOT_ABSOLUTE", since: MERGED_2026_12_07 },
  INVENTORY_FOLDER_NOT_ABSOLUTE: { replacedBy: "PATH_NOT_ABSOLUTE", since: MERGED_2026_12_07 },
  FOLDER_NOT_A_DIRECTORY: { replacedBy: "NOT_A_FOLDER", since: MERGED_2026_12_07 },
  RESTORE_TARGET_NOT_EMPTY: { replacedBy: "TARGET_NOT_EMPTY", since: MERGED_2026_12_07 },
  SERVICE_ERROR: { replacedBy: "INTERNAL_ERROR", since: MERGED_2026_12_07 },
  UNKNOWN_ERROR: { replacedBy: "UNEXPECTED_ERROR", since: MERGED_2026_12_07 },
  ABORT_TOO_LATE: { replacedBy: null, since: MERGED_2026_12_07 },
};
