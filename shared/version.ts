// Imported, not read from disk, so that the version is right wherever the code runs from
// (tsx, or a bundle in node_modules/.cache).
import packageJson from "../package.json" with { type: "json" };

/** pytarchive's version, from package.json. */
export const PYTARCHIVE_VERSION: string = packageJson.version;
