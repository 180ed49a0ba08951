import type { Static, TSchema } from "@sinclair/typebox";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import { type MessageProblem, MessageSchemaError } from "./message-schema-error.ts";

/** A message type declared once and validated on both ends. The wire format is UTF-8 JSON. */
export interface MessageDefinition<T> {
  /** Name used in errors, e.g. "job.created". */
  readonly name: string;
  readonly schema: TSchema;
  /** Validates `value` and returns its JSON bytes; throws MessageSchemaError when it does not fit. */
  encode(value: T): Uint8Array;
  /** Parses and validates JSON bytes; throws MessageSchemaError naming the field and the problem. */
  decode(bytes: Uint8Array): T;
  /** Validates an already parsed value (e.g. from an HTTP body); throws MessageSchemaError. */
  parse(value: unknown): T;
  /** True when `value` fits the schema. */
  is(value: unknown): value is T;
}

/** The value type of a message definition: `type JobCreated = MessageType<typeof JobCreated>`. */
export type MessageType<D> = D extends MessageDefinition<infer T> ? T : never;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Declares a message type from a TypeBox schema.
 *
 * @example
 * const TapeLoaded = defineMessage("tape.loaded", Type.Object({ barcode: Type.String(), drive: Type.Integer() }));
 * const bytes = TapeLoaded.encode({ barcode: "AAK788L9", drive: 0 });
 * TapeLoaded.decode(bytes).barcode; // "AAK788L9"
 * TapeLoaded.decode(utf8('{"barcode":7}')); // throws MessageSchemaError: "Invalid tape.loaded message: barcode: Expected string; drive: ..."
 */
export function defineMessage<S extends TSchema>(
  name: string,
  schema: S,
): MessageDefinition<Static<S>> {
  const parse = (value: unknown): Static<S> => {
    if (Value.Check(schema, value)) return value;
    throw new MessageSchemaError(name, describeProblems(schema, value));
  };
  return {
    name,
    schema,
    encode: (value) => utf8Encoder.encode(JSON.stringify(parse(value))),
    decode: (bytes) => {
      let text: string;
      let value: unknown;
      try {
        text = utf8Decoder.decode(bytes);
      } catch (cause) {
        throw new MessageSchemaError(name, [{ field: "", problem: "not UTF-8 text" }], { cause });
      }
      try {
        value = JSON.parse(text);
      } catch (cause) {
        throw new MessageSchemaError(
          name,
          [{ field: "", problem: `not JSON (${(cause as Error).message})` }],
          {
            cause,
          },
        );
      }
      return parse(value);
    },
    parse,
    is: (value): value is Static<S> => Value.Check(schema, value),
  };
}

/** Turns TypeBox's errors into field/problem pairs that a person can read. */
function describeProblems(schema: TSchema, value: unknown): MessageProblem[] {
  const problems: MessageProblem[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    for (const problem of explain(error)) {
      const key = `${problem.field}\u0000${problem.problem}`;
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(problem);
      }
    }
  }
  // A missing field also fails its type check; "is required" says it all.
  const missing = new Set(problems.filter((p) => p.problem === "is required").map((p) => p.field));
  const useful = problems.filter((p) => p.problem === "is required" || !missing.has(p.field));
  return useful.length > 0 ? useful : [{ field: "", problem: "does not match its schema" }];
}

function explain(error: ValueError): MessageProblem[] {
  if (error.type === ValueErrorType.Union && error.errors.length > 0) {
    const variants = error.errors.map((iterator) => [...iterator]);
    const literals = variants.flatMap((errors) => {
      const literal = errors.find((e) => e.type === ValueErrorType.Literal);
      return literal ? [literal] : [];
    });
    const firstLiteral = literals[0];
    // Every variant rejected the same literal field (a `kind` nobody knows): list what is allowed.
    if (
      firstLiteral &&
      literals.length === variants.length &&
      literals.every((e) => e.path === firstLiteral.path)
    ) {
      const allowed = literals.map((e) => JSON.stringify((e.schema as { const?: unknown }).const));
      return [
        {
          field: fieldName(firstLiteral.path),
          problem: `Expected one of ${allowed.join(", ")} (got ${preview(firstLiteral.value)})`,
        },
      ];
    }
    // Otherwise report the variant that came closest (fewest errors), e.g. the job kind the
    // sender meant, rather than TypeBox's bare "Expected union value".
    const closest = variants.reduce((best, current) =>
      current.length < best.length ? current : best,
    );
    if (closest.length > 0) return closest.flatMap(explain);
  }
  return [{ field: fieldName(error.path), problem: describeError(error) }];
}

function fieldName(path: string): string {
  return path
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .join(".");
}

function describeError(error: ValueError): string {
  if (error.type === ValueErrorType.ObjectRequiredProperty) return "is required";
  const description = (error.schema as { description?: unknown }).description;
  if (error.type === ValueErrorType.StringPattern && typeof description === "string") {
    return `Expected ${description} (got ${preview(error.value)})`;
  }
  return `${error.message} (got ${preview(error.value)})`;
}

function preview(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
