/**
 * Hides a password in a server URL before it goes into a message or a log line; in each URL of
 * a comma-separated list (the nodes of a NATS cluster).
 *
 * @example
 * redactUrl("nats://ops:secret@nats1:4222"); // "nats://ops:***@nats1:4222"
 * redactUrl("nats://a:x@n1:4222,nats://a:y@n2:4222"); // "nats://a:***@n1:4222,nats://a:***@n2:4222"
 */
export function redactUrl(url: string): string {
  return url.split(",").map(redactOne).join(",");
}

function redactOne(url: string): string {
  return url.replace(
    /^(\s*[a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i,
    (_match, scheme: string, userInfo: string) => {
      const colon = userInfo.indexOf(":");
      return colon === -1 ? `${scheme}***@` : `${scheme}${userInfo.slice(0, colon)}:***@`;
    },
  );
}
