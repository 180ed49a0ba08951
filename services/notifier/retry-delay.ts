/** 15 s, 1 min, 4 min, 10 min: rides out a mail server's restart or a short outage. */
export function notifierRetryDelayMs(deliveryCount: number): number {
  return Math.min(600_000, 15_000 * 4 ** Math.max(0, deliveryCount - 1));
}
