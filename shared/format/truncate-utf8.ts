/**
 * The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends between characters, so
 * that a name cut to fit a 255-byte file name never ends in half a character.
 *
 * @example
 * truncateUtf8("Grüße", 4) // "Grü" (ü takes two bytes)
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    bytes += Buffer.byteLength(character);
    if (bytes > maxBytes) break;
    end += character.length;
  }
  return text.slice(0, end);
}
