import path from "node:path";
import { PytarchiveError } from "../errors/index.ts";
import { readCompression } from "./compression-settings.ts";
import { readDrives } from "./drives.ts";
import { DEFAULT_SECTION, type IniDocument } from "./ini.ts";
import { interpolationReferences } from "./interpolation.ts";
import { readInventory } from "./inventory-settings.ts";
import { readLogging } from "./logging-settings.ts";
import { parseBoolean, readChat, readSmtp } from "./notification-settings.ts";
import { readServices } from "./services-settings.ts";
import { DRIVE_SECTION_LABEL, KNOWN_SECTIONS, knownKeysOf, SETTINGS } from "./settings.ts";
import { createSettingsSource, type Setting } from "./settings-source.ts";
import { suggestClosest } from "./suggest.ts";
import { resolveTools } from "./tools.ts";
import type { PytarchiveConfig } from "./types.ts";
import {
  parseAbsolutePath,
  parseAbsolutePathList,
  parseAckWait,
  parseArguments,
  parseDatabaseUrl,
  parseExportClient,
  parseExportOptions,
  parseKiB,
  parseLibraryId,
  parseListenHost,
  parseMountOptions,
  parseNatsUrl,
  parseNonEmpty,
  parseOptionalAbsolutePath,
  parsePort,
  parseRelativeFolderList,
  parseReplicas,
  parseSeconds,
  REFUSED_MKLTFS_ARGUMENTS,
} from "./values.ts";

/** Defaults of the settings that have a single fixed value (see docs/configuration.md). */
export const DEFAULTS = {
  tapeMaxSizeKiB: 17_138_671_616,
  library: "/dev/sch0",
  exportTo: "127.0.0.1",
  // fsid: a FUSE mount has no stable device number, and NFS needs one to export it;
  // no_subtree_check: exportfs warns when neither subtree option is given.
  exportSettings: "ro,fsid=1,no_subtree_check",
  exploreMaxSeconds: 7 * 24 * 3600,
  mountTable: "/proc/mounts",
  stateDir: "/var/lib/pytarchive",
  libraryId: "default",
  ackWaitSeconds: 30,
  replicas: 1,
  httpPort: 8631,
  httpHost: "127.0.0.1",
} as const;

/**
 * The typed configuration from a parsed file (or none: all defaults) and the environment.
 * Refuses unknown sections and keys and every invalid value with a CONFIG_INVALID error.
 */
export function buildConfig(
  document: IniDocument | null,
  env: NodeJS.ProcessEnv,
): PytarchiveConfig {
  if (document) checkKnownNames(document);
  const source = createSettingsSource(document, env);
  const read = <T>(section: string, key: string, parse: (setting: Setting) => T): T | undefined => {
    const setting = source.read(section, key);
    return setting === undefined ? undefined : parse(setting);
  };

  const stateDir =
    read("Paths", "state_dir", (s) => parseAbsolutePath(s, DEFAULTS.stateDir)) ?? DEFAULTS.stateDir;
  return {
    source: document?.source ?? null,
    general: {
      tapeMaxSizeKiB: read("General", "tape_max_size", parseKiB) ?? DEFAULTS.tapeMaxSizeKiB,
      excludeFolders: read("General", "exclude_folders", parseRelativeFolderList) ?? [],
      sourceFolders:
        read("General", "source_folders", (s) =>
          parseAbsolutePathList(s, "/path/to/user/homes, /another/network/drive"),
        ) ?? [],
      scratchPath:
        read("General", "scratch_path", (s) => parseAbsolutePath(s, "/srv/scratch")) ??
        path.posix.join(stateDir, "scratch"),
      keepPacked: read("General", "keep_packed", parseBoolean) ?? false,
    },
    device: {
      library:
        read("Device", "library", (s) =>
          parseNonEmpty(s, "the changer device given to mtx -f, e.g. /dev/sch0"),
        ) ?? DEFAULTS.library,
      drives: readDrives(source),
      simulate: read("Device", "simulate", parseBoolean) ?? false,
      mediaCapacityKiB: read("Device", "media_capacity", parseKiB) ?? null,
    },
    export: {
      to: read("Export", "to", parseExportClient) ?? DEFAULTS.exportTo,
      settings: read("Export", "settings", parseExportOptions) ?? DEFAULTS.exportSettings,
      maxSeconds: read("Export", "max_seconds", parseSeconds) ?? DEFAULTS.exploreMaxSeconds,
    },
    ltfs: {
      mountOptions: read("LTFS", "mount_options", parseMountOptions) ?? [],
      mkltfsOptions:
        read("LTFS", "mkltfs_options", (s) => parseArguments(s, REFUSED_MKLTFS_ARGUMENTS)) ?? [],
      ltfsckOptions: read("LTFS", "ltfsck_options", (s) => parseArguments(s, [])) ?? [],
    },
    tools: resolveTools(source),
    compression: readCompression(source),
    nats: {
      url: read("NATS", "url", parseNatsUrl) ?? null,
      credentialsFile:
        read("NATS", "credentials_file", (s) =>
          parseOptionalAbsolutePath(s, "/etc/pytarchive/nats.creds"),
        ) ?? null,
      libraryId: read("NATS", "library_id", parseLibraryId) ?? DEFAULTS.libraryId,
      ackWaitSeconds: read("NATS", "ack_wait", parseAckWait) ?? DEFAULTS.ackWaitSeconds,
      replicas: read("NATS", "replicas", parseReplicas) ?? DEFAULTS.replicas,
    },
    database: { url: read("Database", "url", parseDatabaseUrl) ?? null },
    http: {
      port: read("HTTP", "port", parsePort) ?? DEFAULTS.httpPort,
      host: read("HTTP", "host", parseListenHost) ?? DEFAULTS.httpHost,
    },
    paths: {
      mountTable:
        read("Paths", "mount_table", (s) => parseAbsolutePath(s, DEFAULTS.mountTable)) ??
        DEFAULTS.mountTable,
      stateDir,
    },
    smtp: readSmtp(source),
    chat: readChat(source),
    inventory: readInventory(source),
    logging: readLogging(source),
    services: readServices(source),
  };
}

/** Refuses sections and keys the product does not know, suggesting the likely intended name. */
function checkKnownNames(document: IniDocument): void {
  const source = createSettingsSource(document, {});
  const fixedSections = [
    ...KNOWN_SECTIONS.filter((name) => name !== DRIVE_SECTION_LABEL),
    DEFAULT_SECTION,
  ];
  const allKeys = [...new Set(SETTINGS.map((setting) => setting.key))];

  for (const section of document.sections.values()) {
    const keys = knownKeysOf(section.name);
    if (keys === null) {
      const driveNumber = /^\s*drive\s*(\d+)\s*$/i.exec(section.name)?.[1];
      const guess =
        driveNumber !== undefined
          ? `Drive ${driveNumber}`
          : suggestClosest(section.name, fixedSections);
      throw source.sectionError(
        section.name,
        `unknown section${guess === null ? "" : `; did you mean [${guess}]?`}`,
        `Section names are case-sensitive. Known sections: ${KNOWN_SECTIONS.map((name) => `[${name}]`).join(", ")}, [${DEFAULT_SECTION}].`,
      );
    }
    for (const entry of section.entries.values()) {
      if (keys.includes(entry.key)) continue;
      throw unknownKey(document, section.name, entry.key, entry.line, keys);
    }
  }

  // A DEFAULT key must mean something: a setting of some section, or a %(name)s variable.
  const referenced = interpolationReferences(document);
  for (const entry of document.defaults.entries.values()) {
    if (allKeys.includes(entry.key) || referenced.has(entry.key)) continue;
    throw unknownKey(document, DEFAULT_SECTION, entry.key, entry.line, allKeys);
  }
}

function unknownKey(
  document: IniDocument,
  section: string,
  key: string,
  line: number,
  keys: readonly string[],
): PytarchiveError {
  const guess = suggestClosest(key, keys);
  const homes = [
    ...new Set(SETTINGS.filter((setting) => setting.key === key).map((s) => `[${s.section}]`)),
  ];
  const advice =
    section !== DEFAULT_SECTION && homes.length > 0
      ? `; ${key} belongs in ${homes.join(" or ")}`
      : guess === null
        ? ""
        : `; did you mean ${guess}?`;
  return new PytarchiveError(
    "CONFIG_INVALID",
    `${document.source}: [${section}] ${key} (line ${line}): unknown key${advice}`,
    {
      hint:
        section === DEFAULT_SECTION
          ? `[${DEFAULT_SECTION}] holds keys of other sections, or names used as %(name)s in values.`
          : `Keys of [${section}]: ${keys.join(", ")}.`,
    },
  );
}
