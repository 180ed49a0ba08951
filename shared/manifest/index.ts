export {
  ENTRY_TYPES,
  type EntryType,
  SKIP_REASONS,
  type SkippedEntry,
  type SkipReason,
} from "./entry-types.ts";
export {
  COMPRESSIONS,
  type Compression,
  MANIFEST_FORMAT,
  MANIFEST_SUFFIX,
  MANIFEST_VERSION,
  MANIFEST_VERSIONS_READ,
  type Manifest,
  type ManifestContent,
  type ManifestEntry,
  type ManifestFolder,
  type ManifestTotals,
  type ManifestVersion,
  manifestPathFor,
  parseManifest,
  readManifest,
  relativePathProblem,
  toolVersion,
  totalsOf,
  writeManifest,
} from "./manifest.ts";
export {
  MANIFEST_ERROR_CODES,
  ManifestInvalidError,
  ManifestUnreadableError,
} from "./manifest-errors.ts";
