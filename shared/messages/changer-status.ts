import { type Static, Type } from "@sinclair/typebox";
import { DriveBlockSchema } from "./changer-moves.ts";
import { TimestampSchema } from "./common-schemas.ts";
import { defineMessage } from "./define-message.ts";

/*
 * `subjects(lib).changerStatus`: request/reply to the changer, which answers with the library as
 * its last `mtx status` showed it (the shape of LibraryStatus in shared/hardware/mtx).
 */

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);

export const LibraryStatusSchema = Type.Object({
  device: Type.String(),
  driveCount: Type.Integer({ minimum: 0 }),
  slotCount: Type.Integer({ minimum: 0 }),
  importExportCount: Type.Integer({ minimum: 0 }),
  drives: Type.Array(
    Type.Object({
      index: Type.Integer({ minimum: 0 }),
      full: Type.Boolean(),
      barcode: NullableString,
      sourceSlot: NullableInteger,
      alternateBarcode: Type.Optional(NullableString),
    }),
  ),
  slots: Type.Array(
    Type.Object({
      index: Type.Integer({ minimum: 0 }),
      full: Type.Boolean(),
      barcode: NullableString,
      importExport: Type.Boolean(),
      alternateBarcode: Type.Optional(NullableString),
    }),
  ),
  truncated: Type.Optional(Type.Boolean()),
});

/**
 * A drive as the changer finds it when asked (`drives: true`): what is mounted at its mount
 * point and which LTFS processes serve it (looked at now), and its block as recorded.
 */
export const DriveLiveStateSchema = Type.Object({
  drive: Type.Integer({ minimum: 0 }),
  /** `[Drive n]` mount point; null when the drive is not configured (its mounts are unknown). */
  mountPoint: NullableString,
  /** Something is mounted at the mount point; null when the drive is not configured. */
  mounted: Type.Union([Type.Boolean(), Type.Null()]),
  /** LTFS processes serving the drive (they write the index when they exit). */
  ltfsPids: Type.Array(Type.Integer()),
  /** Why the drive takes no moves until `pytarchive clear-drive`; null when it takes them. */
  blocked: Type.Union([DriveBlockSchema, Type.Null()]),
});
export type DriveLiveState = Static<typeof DriveLiveStateSchema>;

/** `drives: true` asks for each drive's live state too (mount table, LTFS processes, block). */
export const ChangerStatusRequest = defineMessage(
  "changer.status request",
  Type.Object({ drives: Type.Optional(Type.Boolean()) }),
);

/**
 * The library as the changer last read it, and when. A changer whose `mtx status` fails answers
 * with an error instead: mtx's own code (e.g. MTX_DEVICE_OPEN_FAILED), or CHANGER_UNAVAILABLE.
 */
export const ChangerStatusReply = defineMessage(
  "changer.status reply",
  Type.Object({
    library: LibraryStatusSchema,
    readAt: TimestampSchema,
    /** Only when the request asked for them: one per drive of `library`. */
    drives: Type.Optional(Type.Array(DriveLiveStateSchema)),
  }),
);
