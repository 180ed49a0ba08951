/*
 * A reader for the few Python literals a logging.conf `args=` line holds: strings ('…' or "…",
 * with an optional r/u/b prefix and backslash escapes), integers and floats, None, True, False,
 * tuples and lists. Python evaluates `args` with eval(); this reader never evaluates anything,
 * and refuses every other expression (`sys.stdout`, calls, dicts) with the column it stopped at.
 */

/** A Python value: tuples and lists both become arrays. */
export type PythonValue = string | number | boolean | null | readonly PythonValue[];

/** Why a text is not a literal this reader knows, and where (1-based column). */
export class PythonLiteralError extends Error {
  readonly column: number;

  constructor(problem: string, column: number) {
    super(`${problem} at column ${column}`);
    this.name = "PythonLiteralError";
    this.column = column;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  "0": "\0",
};

/**
 * The value of one Python literal expression.
 *
 * @example
 * parsePythonLiteral("('smarthost.example.org', 587)"); // ["smarthost.example.org", 587]
 * parsePythonLiteral("('x')"); // "x" (parentheses without a comma make no tuple)
 * parsePythonLiteral("(sys.stdout,)"); // throws PythonLiteralError "unexpected "s" … at column 2"
 */
export function parsePythonLiteral(text: string): PythonValue {
  let at = 0;

  const fail = (problem: string, position = at): never => {
    throw new PythonLiteralError(problem, position + 1);
  };
  const skipBlanks = (): void => {
    while (at < text.length && /\s/.test(text[at] ?? "")) at += 1;
  };
  const peek = (): string => text[at] ?? "";

  const parseValue = (): PythonValue => {
    skipBlanks();
    const char = peek();
    if (char === "") return fail("expected a value, found the end");
    if (char === "(") return parseSequence(")", true);
    if (char === "[") return parseSequence("]", false);
    if (/[rRuUbB]/.test(char) && /['"]/.test(text[at + 1] ?? "")) {
      const raw = /[rR]/.test(char);
      at += 1;
      return parseString(raw);
    }
    if (char === "'" || char === '"') return parseString(false);
    if (/[-+\d.]/.test(char)) return parseNumber();
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(at))?.[0] ?? "";
    if (word === "None" || word === "True" || word === "False") {
      at += word.length;
      return word === "None" ? null : word === "True";
    }
    return fail(
      word === ""
        ? `unexpected ${JSON.stringify(char)}`
        : `unexpected ${JSON.stringify(word)} (only strings, numbers, None, True, False, tuples and lists are read)`,
    );
  };

  const parseSequence = (close: string, isTuple: boolean): PythonValue => {
    const start = at;
    at += 1;
    const items: PythonValue[] = [];
    let sawComma = false;
    for (;;) {
      skipBlanks();
      if (peek() === close) {
        at += 1;
        break;
      }
      if (peek() === "") return fail(`${JSON.stringify(text[start])} is never closed`, start);
      if (items.length > 0 && !sawComma) return fail(`expected "," or ${JSON.stringify(close)}`);
      items.push(parseValue());
      skipBlanks();
      sawComma = peek() === ",";
      if (sawComma) at += 1;
    }
    // `(x)` is x in Python; `(x,)` and `()` are tuples.
    if (isTuple && items.length === 1 && !sawComma) return items[0] ?? null;
    return items;
  };

  const parseString = (raw: boolean): string => {
    const quote = peek();
    const start = at;
    at += 1;
    let value = "";
    for (;;) {
      const char = peek();
      if (char === "" || char === "\n")
        return fail(`the string started here is never closed`, start);
      at += 1;
      if (char === quote) return value;
      if (char === "\\") {
        const next = peek();
        at += 1;
        value += raw ? `\\${next}` : (ESCAPES[next] ?? `\\${next}`);
        continue;
      }
      value += char;
    }
  };

  const parseNumber = (): number => {
    const match = /^[-+]?(\d[\d_]*)?(\.\d[\d_]*)?([eE][-+]?\d+)?/.exec(text.slice(at))?.[0] ?? "";
    const digits = match.replaceAll("_", "");
    if (!/\d/.test(digits)) return fail(`unexpected ${JSON.stringify(peek())}`);
    at += match.length;
    return Number(digits);
  };

  const value = parseValue();
  skipBlanks();
  if (at < text.length) fail(`unexpected ${JSON.stringify(peek())} after the value`);
  return value;
}
