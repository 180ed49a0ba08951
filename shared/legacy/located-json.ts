// The ESM build: the package's main is a UMD file whose lazy requires a bundle cannot follow.
import {
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser/lib/esm/main.js";
import { PytarchiveError } from "../errors/index.ts";

/*
 * JSON read with the line of every value, so that a broken file is refused naming the line and
 * the field (the original wrote its files with `json.dump(..., indent=4)`, one field a line).
 */

/** A value of a JSON file and where it is. */
export interface Located {
  readonly node: Node;
  /** 1-based line of the value's first character. */
  readonly line: number;
}

/** One JSON file being read: its name (as the user gave it) and text. */
export class LocatedJson {
  readonly file: string;
  readonly #lineStarts: number[];

  constructor(file: string, text: string) {
    this.file = file;
    this.#lineStarts = [0];
    for (let index = 0; index < text.length; index++) {
      if (text.charCodeAt(index) === 10) this.#lineStarts.push(index + 1);
    }
  }

  /** The 1-based line holding `offset`. */
  lineOf(offset: number): number {
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.#lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }

  at(node: Node): Located {
    return { node, line: this.lineOf(node.offset) };
  }

  /** A refusal of the whole file naming the line and what is wrong there. */
  invalid(line: number, problem: string): PytarchiveError {
    return new PytarchiveError(
      "LEGACY_FILE_INVALID",
      `${this.file} line ${line}: ${problem}. Nothing was imported.`,
      {
        hint: `The original pytarchive writes this file itself; fix line ${line} of ${this.file} (or take it from a backup), then run \`pytarchive import-legacy\` again.`,
      },
    );
  }
}

/**
 * The file's top-level array, strictly as JSON (no comments, no trailing commas), or a
 * LEGACY_FILE_INVALID naming the line of the first syntax error.
 *
 * @example parseLocatedArray(new LocatedJson("database.json", "[]"), "[]").length // 0
 */
export function parseLocatedArray(json: LocatedJson, text: string): Located[] {
  // The original rewrites its files in place (open "w", then json.dump): a crash in between
  // leaves an empty file.
  if (text.trim() === "") {
    throw json.invalid(
      1,
      "the file is empty (the original writes [] at least; was it cut off while being written?)",
    );
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first !== undefined) {
    throw json.invalid(json.lineOf(first.offset), `not valid JSON (${describeSyntax(first)})`);
  }
  if (root === undefined)
    throw json.invalid(1, "the file is empty; the original writes [] at least");
  if (root.type !== "array") {
    throw json.invalid(
      json.lineOf(root.offset),
      `the file must be a JSON array, not ${kindOf(root)}`,
    );
  }
  return (root.children ?? []).map((node) => json.at(node));
}

const SYNTAX_WORDS: Readonly<Record<string, string>> = {
  InvalidSymbol: "an unexpected character",
  InvalidNumberFormat: "a malformed number",
  PropertyNameExpected: "a field name in quotes expected (a trailing comma?)",
  ValueExpected: "a value expected",
  ColonExpected: "':' expected after a field name",
  CommaExpected: "',' expected",
  CloseBraceExpected: "'}' expected",
  CloseBracketExpected: "']' expected",
  EndOfFileExpected: "text after the end of the array",
  InvalidCommentToken: "a comment, which JSON does not allow",
  UnexpectedEndOfComment: "an unterminated comment",
  UnexpectedEndOfString: "an unterminated string",
  UnexpectedEndOfNumber: "an unterminated number",
  InvalidUnicode: "a malformed \\u escape",
  InvalidEscapeCharacter: "a malformed escape",
  InvalidCharacter: "a control character inside a string",
};

function describeSyntax(error: ParseError): string {
  const name = printParseErrorCode(error.error);
  return SYNTAX_WORDS[name] ?? name;
}

/** How a value is named in messages: "a string", "a number", "an object". */
export function kindOf(node: Node): string {
  switch (node.type) {
    case "object":
    case "array":
      return `an ${node.type}`;
    case "null":
      return "null";
    default:
      return `a ${node.type}`;
  }
}

/**
 * The fields of an object value, the last one winning when a name repeats (as Python's
 * json.load and JSON.parse do), or a refusal when the value is not an object.
 */
export function fieldsOf(json: LocatedJson, value: Located, what: string): Map<string, Located> {
  if (value.node.type !== "object") {
    throw json.invalid(value.line, `${what} must be an object, not ${kindOf(value.node)}`);
  }
  const fields = new Map<string, Located>();
  for (const property of value.node.children ?? []) {
    const [name, field] = property.children ?? [];
    if (name === undefined || field === undefined) continue;
    fields.set(String(name.value), json.at(field));
  }
  return fields;
}
