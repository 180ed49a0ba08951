import { createHash } from "node:crypto";
import { requiredInteger, requiredText, requiredTime } from "./legacy-fields.ts";
import { fieldsOf, kindOf, LocatedJson, parseLocatedArray } from "./located-json.ts";

/** A JSON value of a task's arguments, as the original stored it. */
export type LegacyValue =
  | string
  | number
  | boolean
  | null
  | LegacyValue[]
  | { [key: string]: LegacyValue };

/** One task of the original's queue.json. */
export interface LegacyTask {
  /** 1-based line where the task starts. */
  readonly line: number;
  /** 1-based place in the file. */
  readonly number: number;
  /** The coroutine: prepare, archive, restore, explore or inventory. */
  readonly coroutine: string;
  readonly args: LegacyValue[];
  readonly priority: number;
  readonly description: string;
  /** ISO local wall time, as stored. */
  readonly created: string;
  /** The error text and its Python traceback; null when the task was queued (or running). */
  readonly error: string | null;
  /**
   * Names the task across imports (the original saved no ids): its coroutine, arguments,
   * description and time, and how many identical tasks came before it.
   */
  readonly key: string;
}

/**
 * Reads the original's `queue.json`, refusing a file that is not what the original writes
 * (LEGACY_FILE_INVALID, naming the line and field).
 *
 * @example parseLegacyQueue("queue.json", text).filter((task) => task.error === null)
 */
export function parseLegacyQueue(file: string, text: string): LegacyTask[] {
  const json = new LocatedJson(file, text);
  const seen = new Map<string, number>();
  return parseLocatedArray(json, text).map((value, index) => {
    const name = `task ${index + 1}`;
    const entry = { json, line: value.line, name, fields: fieldsOf(json, value, name) };
    const args = entry.fields.get("args");
    if (args === undefined) throw json.invalid(value.line, `${name} has no field "args"`);
    if (args.node.type !== "array") {
      throw json.invalid(
        args.line,
        `field "args" of ${name} must be an array, not ${kindOf(args.node)}`,
      );
    }
    const task = {
      coroutine: requiredText(entry, "coroutine", "the task's kind"),
      args: JSON.parse(
        text.slice(args.node.offset, args.node.offset + args.node.length),
      ) as LegacyValue[],
      priority: requiredInteger(entry, "priority", "the task's priority"),
      description: requiredText(entry, "description", "the task's description"),
      created: requiredTime(entry, "created", "when the task was queued"),
    };
    const errorText = requiredText(entry, "error_msg", '"" for a queued task, else its error');
    const identity = JSON.stringify([task.coroutine, task.args, task.description, task.created]);
    const before = seen.get(identity) ?? 0;
    seen.set(identity, before + 1);
    return {
      line: value.line,
      number: index + 1,
      ...task,
      error: errorText === "" ? null : errorText,
      key: createHash("sha256").update(`${identity}#${before}`).digest("hex").slice(0, 32),
    };
  });
}
