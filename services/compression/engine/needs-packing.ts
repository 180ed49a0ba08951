/**
 * The original pytarchive's rule: LTFS handles millions of small files badly, so a folder with
 * more files than this goes to tape as one tar archive.
 */
export const LTFS_MAX_UNPACKED_FILE_COUNT = 500_000;

/**
 * Whether `prepare` packs the folder into one archive: more than 500,000 files, or `--compress`.
 *
 * @example needsPacking({ fileCount: 500_001, compress: false }) // true
 */
export function needsPacking(folder: { fileCount: number; compress: boolean }): boolean {
  return folder.compress || folder.fileCount > LTFS_MAX_UNPACKED_FILE_COUNT;
}
