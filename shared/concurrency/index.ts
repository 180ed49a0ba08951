export { mapLimited } from "./map-limited.ts";
export { TIMED_OUT, withinTime } from "./within-time.ts";
