import { Type } from "@sinclair/typebox";
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

/** The changer-status request carries nothing. */
export const ChangerStatusRequest = defineMessage("changer.status request", Type.Object({}));

/**
 * The library as the changer last read it, and when. A changer whose `mtx status` fails answers
 * with an error (CHANGER_UNAVAILABLE) instead.
 */
export const ChangerStatusReply = defineMessage(
  "changer.status reply",
  Type.Object({ library: LibraryStatusSchema, readAt: TimestampSchema }),
);
