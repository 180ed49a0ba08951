// Moved to shared/format so that every service words sizes alike.
export { describeBytes, describeCount } from "../../shared/format/describe-size.ts";
