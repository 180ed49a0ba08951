export { escapeControlCharacters, hasControlCharacters } from "./control-characters.ts";
export { describeDuration } from "./describe-duration.ts";
export {
  describePercent,
  describeProgressNumbers,
  type ProgressNumbers,
} from "./describe-progress.ts";
export { describeBytes, describeBytesOf, describeCount } from "./describe-size.ts";
export { messageOf, reasonOf } from "./message-of.ts";
export { truncateUtf8 } from "./truncate-utf8.ts";
