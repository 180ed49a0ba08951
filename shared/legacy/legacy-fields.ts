import { legacyTimeToIso } from "./legacy-time.ts";
import { kindOf, type Located, type LocatedJson } from "./located-json.ts";

/*
 * Typed reads of one object's fields; each refuses the file naming the field's line and name.
 */

/** The fields of one entry, with what is needed to name it in a refusal. */
export interface EntryFields {
  readonly json: LocatedJson;
  /** The entry's line: where a missing field is reported. */
  readonly line: number;
  /** "entry 3" — how messages name the entry. */
  readonly name: string;
  readonly fields: ReadonlyMap<string, Located>;
}

function present(entry: EntryFields, field: string): Located | undefined {
  const value = entry.fields.get(field);
  return value === undefined || value.node.type === "null" ? undefined : value;
}

function missing(entry: EntryFields, field: string, what: string) {
  return entry.json.invalid(entry.line, `${entry.name} has no field "${field}" (${what})`);
}

function wrong(entry: EntryFields, field: string, value: Located, what: string) {
  return entry.json.invalid(
    value.line,
    `field "${field}" of ${entry.name} must be ${what}, not ${kindOf(value.node)}${value.node.type === "string" || value.node.type === "number" ? ` ${JSON.stringify(value.node.value)}` : ""}`,
  );
}

export function optionalText(entry: EntryFields, field: string): string | null {
  const value = present(entry, field);
  if (value === undefined) return null;
  if (value.node.type !== "string") throw wrong(entry, field, value, "text");
  return value.node.value as string;
}

export function requiredText(entry: EntryFields, field: string, what: string): string {
  const text = optionalText(entry, field);
  if (text === null) throw missing(entry, field, what);
  return text;
}

export function optionalBoolean(entry: EntryFields, field: string): boolean | null {
  const value = present(entry, field);
  if (value === undefined) return null;
  if (value.node.type !== "boolean") throw wrong(entry, field, value, "true or false");
  return value.node.value as boolean;
}

/** A whole number from 0 to `max` (Python may write 9000000000.0 for one: accepted). */
export function optionalCount(entry: EntryFields, field: string, max: number): number | null {
  const value = present(entry, field);
  if (value === undefined) return null;
  const number = value.node.value;
  if (value.node.type !== "number" || !Number.isInteger(number) || number < 0 || number > max) {
    throw wrong(entry, field, value, `a whole number from 0 to ${max}`);
  }
  return number as number;
}

export function requiredInteger(entry: EntryFields, field: string, what: string): number {
  const value = present(entry, field);
  if (value === undefined) throw missing(entry, field, what);
  const number = value.node.value;
  if (value.node.type !== "number" || !Number.isSafeInteger(number)) {
    throw wrong(entry, field, value, "a whole number");
  }
  return number as number;
}

/** One of the original's times, as ISO local wall time; null when absent. */
export function optionalTime(entry: EntryFields, field: string): string | null {
  const text = optionalText(entry, field);
  if (text === null) return null;
  const iso = legacyTimeToIso(text);
  if (iso === null) {
    throw wrong(
      entry,
      field,
      entry.fields.get(field) as Located,
      'a time as the original writes it, like "May 08 2024 07:45:12"',
    );
  }
  return iso;
}

export function requiredTime(entry: EntryFields, field: string, what: string): string {
  const iso = optionalTime(entry, field);
  if (iso === null) throw missing(entry, field, what);
  return iso;
}
