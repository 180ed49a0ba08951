import { type Static, type TObject, Type } from "@sinclair/typebox";
import { BarcodeSchema, ErrorInfoSchema, JobIdSchema, TimestampSchema } from "./common-schemas.ts";
import { defineMessage, type MessageDefinition, type MessageType } from "./define-message.ts";
import { subjects } from "./subjects.ts";

/*
 * The contract between the scheduler (the only publisher of tape moves) and the changer (their
 * only consumer). A move request goes on `pyt.<lib>.changer.move` (stream PYT_<lib>_CHANGER,
 * work-queue retention, durable consumer `changer`, one message in flight). Its outcome comes back
 * as an event on the library's event stream, kept 30 days, so a scheduler that restarts finds it:
 *
 *   pyt.<lib>.events.move.done     MoveDone    the tape is where the move wanted it
 *   pyt.<lib>.events.move.failed   MoveFailed  it is not; `error.code` says why
 *
 * Both carry the request's `moveId`. Every delivered move gets exactly one outcome (published
 * with message id `move.<moveId>.done|failed`, so a repeat within two minutes is dropped).
 * A move that already happened (a redelivery after a crash) is `done` with `alreadyInPlace`.
 *
 * Medium removal prevented (MTX_MEDIUM_REMOVAL_PREVENTED, ASC 53h): the scheduler has the ltfs
 * service mount and unmount the tape, then sends the unload again ONCE under a new moveId with
 * `blockDriveIfRefused: true`. If that fails the same way, the changer marks the drive blocked
 * (`driveBlocked: true`) and refuses every move touching it (DRIVE_BLOCKED) until an operator
 * clears it with a request on `pyt.<lib>.changer.clear-drive`.
 */

/**
 * Identifies one move request; choose a new one for every request (e.g. `<jobId>.<step>.<attempt>`).
 * Published as the JetStream message id, so the same id twice within two minutes is one move.
 */
export const MoveIdSchema = Type.String({
  pattern: "^[A-Za-z0-9_.-]{1,128}$",
  description: "1 to 128 letters, digits, '.', '-' or '_'",
});

export const MOVE_KINDS = ["load", "unload", "transfer", "return-home"] as const;
export type MoveKind = (typeof MOVE_KINDS)[number];

const DriveNumber = Type.Integer({ minimum: 0, description: "a drive number, from 0" });
const SlotNumber = Type.Integer({ minimum: 1, description: "a slot number, from 1" });

const common = { moveId: MoveIdSchema, jobId: JobIdSchema, barcode: BarcodeSchema };

const MOVE_VARIANTS = {
  load: Type.Object({ ...common, kind: Type.Literal("load"), drive: DriveNumber }),
  unload: Type.Object({
    ...common,
    kind: Type.Literal("unload"),
    drive: Type.Optional(DriveNumber),
    blockDriveIfRefused: Type.Optional(Type.Boolean()),
  }),
  transfer: Type.Object({ ...common, kind: Type.Literal("transfer"), toSlot: SlotNumber }),
  "return-home": Type.Object({
    ...common,
    kind: Type.Literal("return-home"),
    blockDriveIfRefused: Type.Optional(Type.Boolean()),
  }),
} as const satisfies Record<MoveKind, TObject>;

const MoveSchema = Type.Union([
  MOVE_VARIANTS.load,
  MOVE_VARIANTS.unload,
  MOVE_VARIANTS.transfer,
  MOVE_VARIANTS["return-home"],
]);
type AnyMove = Static<typeof MoveSchema>;

const AnyMove = defineMessage("changer.move", MoveSchema);
/** Only UTF-8 and JSON are checked here; parseMove checks the fields. */
const MoveJson = defineMessage("changer.move", Type.Unknown());
const MOVE_BY_KIND = Object.fromEntries(
  MOVE_KINDS.map((kind) => [kind, defineMessage("changer.move", MOVE_VARIANTS[kind])]),
) as unknown as Record<MoveKind, MessageDefinition<AnyMove>>;

/** Validates against the variant `kind` names, so that an error names the field that is wrong. */
function parseMove(value: unknown): AnyMove {
  const kind = (value as { kind?: unknown } | null)?.kind;
  const variant = MOVE_KINDS.find((known) => known === kind);
  return variant === undefined ? AnyMove.parse(value) : MOVE_BY_KIND[variant].parse(value);
}

/**
 * One tape move. `load` puts the tape into `drive`; `unload` takes it out of its drive (`drive`,
 * when given, must be the one holding it) back to its home slot; `transfer` moves a tape that is
 * in a slot to `toSlot`, which becomes its new home (none for an import/export slot);
 * `return-home` brings the tape home from wherever it is. A tape always goes home to the slot
 * it came from (the catalog's home slot, else the slot mtx says it was loaded from), never to
 * "the first empty slot".
 *
 * `blockDriveIfRefused` (unload, return-home): this is the retry after a remount; if the drive
 * refuses to release the tape again, block it until an operator clears it.
 */
export const MoveRequest: MessageDefinition<AnyMove> = {
  name: AnyMove.name,
  schema: AnyMove.schema,
  parse: parseMove,
  is: AnyMove.is,
  encode: (value) => AnyMove.encode(parseMove(value)),
  decode: (bytes) => parseMove(MoveJson.decode(bytes)),
};
export type MoveRequest = MessageType<typeof MoveRequest>;

/** Where a tape is after (or before) a move. */
export const TapePlaceSchema = Type.Union([
  Type.Object({ kind: Type.Literal("drive"), drive: DriveNumber }),
  Type.Object({ kind: Type.Literal("slot"), slot: SlotNumber, importExport: Type.Boolean() }),
]);
export type TapePlace = Static<typeof TapePlaceSchema>;

const MoveKindSchema = Type.Union(MOVE_KINDS.map((kind) => Type.Literal(kind)));

/** Event kinds of move outcomes: `subjects(lib).event(MOVE_EVENTS.done)`. */
export const MOVE_EVENTS = { done: "move.done", failed: "move.failed" } as const;

/** The tape is where the move wanted it. */
export const MoveDone = defineMessage(
  MOVE_EVENTS.done,
  Type.Object({
    moveId: MoveIdSchema,
    jobId: JobIdSchema,
    kind: MoveKindSchema,
    barcode: BarcodeSchema,
    /** Where the robot took it from; null when nothing moved. */
    from: Type.Union([TapePlaceSchema, Type.Null()]),
    to: TapePlaceSchema,
    /** True when the tape already was there (a repeated move): the robot did nothing. */
    alreadyInPlace: Type.Boolean(),
    /** The tape's home slot as the changer knows it after the move (null: none). */
    homeSlot: Type.Union([SlotNumber, Type.Null()]),
    at: TimestampSchema,
  }),
);
export type MoveDone = MessageType<typeof MoveDone>;

/** The move did not happen (or not completely); the tape is where `error` says. */
export const MoveFailed = defineMessage(
  MOVE_EVENTS.failed,
  Type.Object({
    moveId: MoveIdSchema,
    jobId: JobIdSchema,
    kind: MoveKindSchema,
    barcode: BarcodeSchema,
    /** The drive involved, when one was. */
    drive: Type.Union([DriveNumber, Type.Null()]),
    error: ErrorInfoSchema,
    /**
     * The Request Sense of the library's refusal as ASC/ASCQ in hex ("53/03": medium removal
     * prevented), when mtx printed one; left out by changers before 2026-12-07.
     */
    sense: Type.Optional(
      Type.Union([Type.String({ pattern: "^[0-9A-F]{2}/[0-9A-F]{2}$" }), Type.Null()]),
    ),
    /** The drive is now blocked: it takes no moves until an operator clears it. */
    driveBlocked: Type.Boolean(),
    at: TimestampSchema,
  }),
);
export type MoveFailed = MessageType<typeof MoveFailed>;

/**
 * Codes of `MoveFailed.error.code` that the changer itself decides (mtx failures keep their
 * MTX_… codes from shared/hardware/mtx, e.g. MTX_MEDIUM_REMOVAL_PREVENTED).
 */
export const MOVE_FAILURE_CODES = {
  tapeNotInLibrary: "TAPE_NOT_IN_LIBRARY",
  tapeStillMounted: "TAPE_STILL_MOUNTED",
  tapeInOtherDrive: "TAPE_IN_OTHER_DRIVE",
  tapeInDrive: "TAPE_IN_DRIVE",
  tapeInImportExportSlot: "TAPE_IN_IMPORT_EXPORT_SLOT",
  cleaningTapeNotLoadable: "CLEANING_TAPE_NOT_LOADABLE",
  driveNotInLibrary: "DRIVE_NOT_IN_LIBRARY",
  driveNotConfigured: "DRIVE_NOT_CONFIGURED",
  driveOccupied: "DRIVE_OCCUPIED",
  driveBlocked: "DRIVE_BLOCKED",
  slotNotInLibrary: "SLOT_NOT_IN_LIBRARY",
  slotOccupied: "SLOT_OCCUPIED",
  noHomeSlot: "NO_HOME_SLOT",
  homeSlotOccupied: "HOME_SLOT_OCCUPIED",
  /** The changer could not finish for a reason that retrying did not cure (see the message). */
  moveNotCompleted: "MOVE_NOT_COMPLETED",
} as const;
export type MoveFailureCode = (typeof MOVE_FAILURE_CODES)[keyof typeof MOVE_FAILURE_CODES];

/** Why a drive is blocked, as recorded when the changer blocked it. */
export const DriveBlockSchema = Type.Object({
  code: Type.String({ minLength: 1 }),
  reason: Type.String(),
  barcode: Type.Union([Type.String(), Type.Null()]),
  moveId: Type.Union([MoveIdSchema, Type.Null()]),
  jobId: Type.Union([JobIdSchema, Type.Null()]),
  at: TimestampSchema,
});
export type DriveBlock = Static<typeof DriveBlockSchema>;

/**
 * What the changer last knew about one drive, kept in the library's lease bucket under
 * `changer.<lib>.drive.<n>` (see services/changer/drive-states.ts). Written at start
 * (reconcile), after every move and when an operator clears the drive.
 */
export const ChangerDriveState = defineMessage(
  "changer drive state",
  Type.Object({
    drive: DriveNumber,
    /** The tape in the drive; null when empty (or full without a readable label: see `full`). */
    barcode: Type.Union([Type.String(), Type.Null()]),
    full: Type.Boolean(),
    /** The slot mtx says the tape was loaded from. */
    sourceSlot: Type.Union([SlotNumber, Type.Null()]),
    /** Something is mounted at the drive's mount point; null when the drive is not configured. */
    mounted: Type.Union([Type.Boolean(), Type.Null()]),
    /** LTFS processes still serving the drive (they write the index on unmount). */
    ltfsPids: Type.Array(Type.Integer()),
    blocked: Type.Union([DriveBlockSchema, Type.Null()]),
    updatedAt: TimestampSchema,
  }),
);
export type ChangerDriveState = MessageType<typeof ChangerDriveState>;

/** Operator request: the drive may take moves again (after someone dealt with the hardware). */
export const ClearDriveRequest = defineMessage(
  "changer.clear-drive request",
  Type.Object({
    drive: DriveNumber,
    /** Who cleared it, for the log. */
    by: Type.Optional(Type.String({ minLength: 1 })),
  }),
);
export type ClearDriveRequest = MessageType<typeof ClearDriveRequest>;

export const ClearDriveReply = defineMessage(
  "changer.clear-drive reply",
  Type.Object({
    drive: DriveNumber,
    wasBlocked: Type.Boolean(),
    /** The block that was lifted, if any. */
    previousBlock: Type.Union([DriveBlockSchema, Type.Null()]),
  }),
);
export type ClearDriveReply = MessageType<typeof ClearDriveReply>;

/** The changer's subjects beyond those in {@link subjects}. */
export interface ChangerSubjects {
  /** `pyt.<lib>.changer.move` (JetStream, PYT_<lib>_CHANGER). */
  readonly move: string;
  /** `pyt.<lib>.events.move.done` */
  readonly moveDone: string;
  /** `pyt.<lib>.events.move.failed` */
  readonly moveFailed: string;
  /** `pyt.<lib>.events.move.>`: both outcomes. */
  readonly moveOutcomes: string;
  /** `pyt.<lib>.changer.clear-drive`: request/reply, answered by the changer. */
  readonly clearDrive: string;
}

/**
 * @example
 * changerSubjects("lib1").moveFailed; // "pyt.lib1.events.move.failed"
 */
export function changerSubjects(libraryId: string): ChangerSubjects {
  const s = subjects(libraryId);
  return {
    move: s.changerMove,
    moveDone: s.event(MOVE_EVENTS.done),
    moveFailed: s.event(MOVE_EVENTS.failed),
    moveOutcomes: `${s.prefix}.events.move.>`,
    clearDrive: `${s.prefix}.changer.clear-drive`,
  };
}
