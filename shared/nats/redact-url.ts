/**
 * Hides a password in a server URL before it goes into a message or a log line.
 *
 * @example
 * redactUrl("nats://ops:secret@nats1:4222"); // "nats://ops:***@nats1:4222"
 */
export function redactUrl(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i,
    (_match, scheme: string, userInfo: string) => {
      const colon = userInfo.indexOf(":");
      return colon === -1 ? `${scheme}***@` : `${scheme}${userInfo.slice(0, colon)}:***@`;
    },
  );
}
