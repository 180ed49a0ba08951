import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/** One archive this service started to write into scratch_path, and the folder it packs. */
export interface PackedRecord {
  /** The finished archive's path (its `.partial` is the same name with the suffix). */
  readonly archive: string;
  /** The original folder it is an archive of. */
  readonly folder: string;
  readonly recordedAt: string;
}

/**
 * What pytarchive itself wrote into scratch_path, kept in the state folder (`packed/`, one small
 * file per archive), written before tar starts: scratch_path may be a shared folder such as
 * /tmp, and only an archive recorded here is ever removed by the clean-up.
 */
export interface PackedLedger {
  record(archive: string, folder: string): Promise<void>;
  forget(archive: string): Promise<void>;
  list(): Promise<PackedRecord[]>;
}

export function packedLedger(stateDir: string): PackedLedger {
  const folder = path.join(stateDir, "packed");
  const fileOf = (archive: string) =>
    path.join(folder, `${createHash("sha256").update(archive).digest("hex").slice(0, 32)}.json`);
  return {
    async record(archive, original) {
      await mkdir(folder, { recursive: true });
      const file = fileOf(archive);
      const record: PackedRecord = {
        archive,
        folder: original,
        recordedAt: new Date().toISOString(),
      };
      // Written whole, then renamed: a crash never leaves half a record.
      await writeFile(`${file}.new`, `${JSON.stringify(record)}\n`);
      await rename(`${file}.new`, file);
    },
    async forget(archive) {
      await rm(fileOf(archive), { force: true });
    },
    async list() {
      const names = await readdir(folder).catch(() => [] as string[]);
      const records: PackedRecord[] = [];
      for (const name of names.filter((entry) => entry.endsWith(".json")).sort()) {
        const text = await readFile(path.join(folder, name), "utf8").catch(() => null);
        const record = text === null ? null : parseRecord(text);
        if (record !== null && fileOf(record.archive) === path.join(folder, name)) {
          records.push(record);
        }
      }
      return records;
    },
  };
}

function parseRecord(text: string): PackedRecord | null {
  try {
    const value = JSON.parse(text) as Partial<PackedRecord>;
    if (typeof value.archive !== "string" || !path.isAbsolute(value.archive)) return null;
    if (typeof value.folder !== "string" || typeof value.recordedAt !== "string") return null;
    return { archive: value.archive, folder: value.folder, recordedAt: value.recordedAt };
  } catch {
    return null;
  }
}
