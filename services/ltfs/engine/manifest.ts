// The manifest format lives in shared/manifest so that other services (verification) can read it.
export {
  COMPRESSIONS,
  type Compression,
  MANIFEST_FORMAT,
  MANIFEST_SUFFIX,
  MANIFEST_VERSION,
  type Manifest,
  type ManifestEntry,
  type ManifestFolder,
  type ManifestTotals,
  manifestPathFor,
  parseManifest,
  readManifest,
  relativePathProblem,
  toolVersion,
  totalsOf,
  writeManifest,
} from "../../../shared/manifest/index.ts";
