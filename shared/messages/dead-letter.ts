import { Type } from "@sinclair/typebox";
import { ErrorInfoSchema, TimestampSchema } from "./common-schemas.ts";
import { defineMessage, type MessageType } from "./define-message.ts";

/**
 * A work message a service gave up on, published on `pyt.<lib>.dlq.<service>`: where it came from,
 * how often it was tried, the last error, and the original payload as text (it is JSON).
 */
export const DeadLetter = defineMessage(
  "dead.letter",
  Type.Object({
    stream: Type.String(),
    consumer: Type.String(),
    subject: Type.String(),
    streamSequence: Type.Integer({ minimum: 1 }),
    deliveryCount: Type.Integer({ minimum: 1 }),
    error: ErrorInfoSchema,
    payload: Type.String(),
    at: TimestampSchema,
  }),
);
export type DeadLetter = MessageType<typeof DeadLetter>;
