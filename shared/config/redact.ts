/**
 * Hides the password of `scheme://user:password@host`, so that no message or log line that
 * quotes a configuration value shows it.
 *
 * @example
 * redactCredentials("nats://admin:s3cret@nats.example.org"); // "nats://admin:***@nats.example.org"
 */
export function redactCredentials(text: string): string {
  return text.replace(/(\/\/[^/:@\s]*):[^@\s/]*@/g, "$1:***@");
}
