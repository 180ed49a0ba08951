/*
 * Control characters (C0, DEL, C1) in text that came from a user or a file name: found, or shown
 * escaped, so that a name holding ESC [2J or a carriage return cannot move a terminal's cursor,
 * clear its screen or forge a line of output.
 */

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** Whether `text` holds a control character (a line break, a tab, NUL, ESC, DEL, C1…). */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) return true;
  return false;
}

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * `text` with every control character written out as JSON writes it (`\n`, `\r`, `\t`,
 * `\u001b`…), so that `--json` output stays valid JSON; `keep` lists those left as they are (the
 * line ends of multi-line output).
 *
 * @example
 * escapeControlCharacters("a\u001b[2Jb"); // "a\\u001b[2Jb"
 * escapeControlCharacters("one\ntwo\n", "\n"); // "one\ntwo\n"
 */
export function escapeControlCharacters(text: string, keep = ""): string {
  let out = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (!isControl(code) || keep.includes(char)) out += char;
    else out += NAMED[char] ?? `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return out;
}
