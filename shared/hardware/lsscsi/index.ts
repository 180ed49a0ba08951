export {
  changersOf,
  type LsscsiListing,
  parseLsscsi,
  type ScsiDevice,
  tapeDrivesOf,
} from "./parse-lsscsi.ts";
