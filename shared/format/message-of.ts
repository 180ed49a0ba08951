/**
 * The message of anything thrown: an Error's message, or the thrown value as text (a string, a
 * rejected number), for a reason line that never reads "[object Object]" from an Error.
 *
 * @example
 * messageOf(new Error("disk full")) // "disk full"
 * messageOf("disk full") // "disk full"
 */
export function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/**
 * The reason of a failed file operation, for a message that names the path already: Node's
 * "ENOENT: no such file or directory, open '/x'" becomes "no such file or directory".
 *
 * @example
 * reasonOf(new Error("EACCES: permission denied, open '/data/a'")) // "permission denied"
 */
export function reasonOf(thrown: unknown): string {
  return messageOf(thrown)
    .replace(/^E[A-Z]+: /, "")
    .replace(/, \w+ '.*'$/, "");
}
