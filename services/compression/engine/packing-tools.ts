import { PytarchiveError } from "../../../shared/errors/index.ts";
import { type CommandResult, runCommand } from "../../../shared/exec/index.ts";
import { COMPRESSION_ERROR_CODES as CODES } from "./compression-errors.ts";
import type { Compression } from "./tar-arguments.ts";

/** GNU tar learned `--zstd` in 1.31. */
const ZSTD_MIN_TAR_VERSION = [1, 31] as const;
const VERSION_TIMEOUT_MS = 15_000;

export interface PackingTools {
  /** First line of `tar --version`, e.g. "tar (GNU tar) 1.34". */
  readonly tar: string;
  /** First line of the compressor's `--version`. */
  readonly compressor: string;
}

/**
 * Checks that GNU tar and the compressor are installed and new enough, before anything is
 * written. Throws TAR_UNSUPPORTED or COMPRESSOR_NOT_INSTALLED with the package to install.
 */
export async function checkPackingTools(options: {
  compression: Compression;
  tarCommand?: string;
  signal?: AbortSignal;
}): Promise<PackingTools> {
  const tarCommand = options.tarCommand ?? "tar";
  const tarVersion = await versionLine(tarCommand, options.signal);
  if (tarVersion === null || !tarVersion.includes("GNU tar")) {
    throw new PytarchiveError(
      CODES.tarUnsupported,
      tarVersion === null
        ? `${tarCommand} is not installed`
        : `${tarCommand} is not GNU tar (it says "${tarVersion}")`,
      { hint: "Install GNU tar: apt-get install tar (Debian/Ubuntu) or dnf install tar." },
    );
  }
  if (options.compression === "zstd" && !isAtLeast(tarVersion, ZSTD_MIN_TAR_VERSION)) {
    throw new PytarchiveError(
      CODES.tarUnsupported,
      `${tarVersion} cannot compress with zstd (GNU tar 1.31 or newer can)`,
      { hint: "Upgrade tar, or choose gzip compression." },
    );
  }
  const compressor = await versionLine(options.compression, options.signal);
  if (compressor === null) {
    throw new PytarchiveError(
      CODES.compressorNotInstalled,
      `${options.compression} is not installed, so folders cannot be packed with it`,
      {
        hint:
          options.compression === "zstd"
            ? "Install it: apt-get install zstd (Debian/Ubuntu) or dnf install zstd; or choose gzip compression."
            : "Install it: apt-get install gzip (Debian/Ubuntu) or dnf install gzip.",
      },
    );
  }
  return { tar: tarVersion, compressor };
}

/** The first line a tool prints for `--version`, or null when it cannot be started. */
async function versionLine(command: string, signal?: AbortSignal): Promise<string | null> {
  let result: CommandResult;
  try {
    result = await runCommand(command, ["--version"], {
      timeoutMs: VERSION_TIMEOUT_MS,
      env: { LC_ALL: "C" },
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if ((error as PytarchiveError).code === "COMMAND_NOT_FOUND") return null;
    throw error;
  }
  if (result.exitCode !== 0) return null;
  const text = result.stdout.trim() === "" ? result.stderr : result.stdout;
  return text.trim().split("\n")[0]?.trim() ?? null;
}

/** "tar (GNU tar) 1.34" ≥ [1, 31]. */
function isAtLeast(versionText: string, minimum: readonly [number, number]): boolean {
  const match = /(\d+)\.(\d+)/.exec(versionText);
  if (!match) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > minimum[0] || (major === minimum[0] && minor >= minimum[1]);
}
