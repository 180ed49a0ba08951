import { type Setting, type SettingsSource, settingError } from "./settings-source.ts";
import { COMPRESSION_PROGRAMS, type CompressionProgram, type PytarchiveConfig } from "./types.ts";

/** Defaults of `[Compression]` (see docs/configuration.md). */
export const COMPRESSION_DEFAULTS = {
  program: "zstd",
  /** 0: one zstd thread per CPU. */
  threads: 0,
  concurrency: 1,
} as const satisfies PytarchiveConfig["compression"];

/** `[Compression]`: how `prepare` packs folders, and how many prepare jobs run at once. */
export function readCompression(source: SettingsSource): PytarchiveConfig["compression"] {
  const program = source.read("Compression", "program");
  const threads = source.read("Compression", "threads");
  const concurrency = source.read("Compression", "concurrency");
  return {
    program: program === undefined ? COMPRESSION_DEFAULTS.program : parseProgram(program),
    threads:
      threads === undefined
        ? COMPRESSION_DEFAULTS.threads
        : parseWholeNumber(threads, 0, "0 (one per CPU) or a number of threads, e.g. 8"),
    concurrency:
      concurrency === undefined
        ? COMPRESSION_DEFAULTS.concurrency
        : parseWholeNumber(concurrency, 1, "1 or more jobs, e.g. 2"),
  };
}

function parseProgram(setting: Setting): CompressionProgram {
  const value = setting.text.trim().toLowerCase();
  const known = COMPRESSION_PROGRAMS.find((program) => program === value);
  if (known === undefined) {
    throw settingError(
      setting,
      `expected one of ${COMPRESSION_PROGRAMS.join(", ")} (zstd is faster and uses every CPU)`,
    );
  }
  return known;
}

function parseWholeNumber(setting: Setting, minimum: number, expected: string): number {
  const text = setting.text.trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < minimum) {
    throw settingError(setting, `expected a whole number, ${expected}`);
  }
  return value;
}
