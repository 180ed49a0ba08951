/** The four LTFS message levels; the level is the last character of the message id. */
export const LTFS_MESSAGE_LEVELS = ["E", "W", "I", "D"] as const;
export type LtfsMessageLevel = (typeof LTFS_MESSAGE_LEVELS)[number];

/** One `LTFS<id>` line printed by mkltfs, ltfs or ltfsck. */
export interface LtfsMessage {
  /** Number and level, e.g. "11031I". Stable across versions and vendors: match on this. */
  readonly id: string;
  readonly level: LtfsMessageLevel;
  /** The hex thread id `ltfs` prints before each message ("5436"), or null (mkltfs, ltfsck). */
  readonly threadId: string | null;
  /** The message text without its final period (HPE builds print none); wording varies by version. */
  readonly text: string;
  /** The whole line as printed. */
  readonly line: string;
}

/** Everything an LTFS tool printed, split into its messages and all other lines. */
export interface LtfsOutput {
  readonly messages: readonly LtfsMessage[];
  /** Lines that are not LTFS messages: FUSE complaints, usage text, continuation lines, tables. */
  readonly otherLines: readonly string[];
}

// Optional syslog prefix (`Apr 25 12:48:57 host ltfs[13358]: `), optional hex thread id,
// then `LTFS` + five digits + level.
const MESSAGE_LINE =
  /^\s*(?:.*?[\w.-]+\[\d+\]:\s+)?(?:([0-9a-fA-F]+)\s+)?LTFS(\d{5})([EWID])(?:\s(.*))?$/;

/**
 * Splits LTFS tool output into messages and other lines. Accepts lines with or without the hex
 * thread id, with or without the final period, and syslog copies.
 *
 * @example
 * parseLtfsOutput("5436 LTFS11031I Volume mounted successfully.\nfuse: mountpoint is not empty")
 * // → { messages: [{ id: "11031I", level: "I", threadId: "5436", text: "Volume mounted successfully", … }],
 * //     otherLines: ["fuse: mountpoint is not empty"] }
 */
export function parseLtfsOutput(text: string): LtfsOutput {
  const messages: LtfsMessage[] = [];
  const otherLines: string[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    const message = parseLtfsMessageLine(line);
    if (message) messages.push(message);
    else if (line.trim() !== "") otherLines.push(line);
  }
  return { messages, otherLines };
}

/**
 * The LTFS messages in a tool's output, in order; other lines are skipped
 * (see `parseLtfsOutput` to keep them).
 *
 * @example
 * parseLtfsMessages("LTFS15047E Medium is already formatted (0).")[0]?.id // "15047E"
 */
export function parseLtfsMessages(text: string): LtfsMessage[] {
  return [...parseLtfsOutput(text).messages];
}

/** One line as an LTFS message, or null when it is not one. */
export function parseLtfsMessageLine(line: string): LtfsMessage | null {
  const match = MESSAGE_LINE.exec(line);
  if (!match) return null;
  const [, threadId, number, level, rawText = ""] = match;
  const text = rawText.endsWith(".") ? rawText.slice(0, -1) : rawText;
  return {
    id: `${number}${level}`,
    level: level as LtfsMessageLevel,
    threadId: threadId ?? null,
    text,
    line,
  };
}

/**
 * Whether any of the ids was printed.
 *
 * @example
 * hasMessage(messages, "17168E") // the tape is not LTFS-formatted
 */
export function hasMessage(messages: readonly LtfsMessage[], ...ids: readonly string[]): boolean {
  return messages.some((message) => ids.includes(message.id));
}

/** The first message with this id, or null. */
export function findMessage(messages: readonly LtfsMessage[], id: string): LtfsMessage | null {
  return messages.find((message) => message.id === id) ?? null;
}
