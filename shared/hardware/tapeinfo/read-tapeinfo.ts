import { runCommand } from "../../exec/index.ts";
import { TapeDeviceBusyError, TapeDeviceOpenError, TapeinfoFailedError } from "./errors.ts";
import { parseTapeinfo, type TapeinfoReport } from "./parse-tapeinfo.ts";

export interface ReadTapeinfoOptions {
  /** Command name or path of tapeinfo. */
  readonly tapeinfoPath: string;
  /** The drive's SCSI generic device, e.g. /dev/sg4. */
  readonly device: string;
  readonly timeoutMs?: number;
  /** Runs the command; tests pass a fake. */
  readonly run?: typeof runCommand;
}

// scsi_linux.c: "cannot open SCSI device '%s' - %m", after mtx's "<argv0>: " prefix.
const OPEN_FAILED = /cannot open SCSI device '(.*)' - (.*)$/;

/**
 * Runs `tapeinfo -f <device>` and parses the report. A busy device (LTFS holds the drive while a
 * tape is mounted) is a TapeDeviceBusyError.
 *
 * @example
 * const info = await readTapeinfo({ tapeinfoPath: "tapeinfo", device: "/dev/sg4" });
 * info.serial // "10WT087648"
 */
export async function readTapeinfo(options: ReadTapeinfoOptions): Promise<TapeinfoReport> {
  const run = options.run ?? runCommand;
  const result = await run(options.tapeinfoPath, ["-f", options.device], {
    timeoutMs: options.timeoutMs ?? 120_000,
  });
  if (result.exitCode === 0) return parseTapeinfo(result.stdout);
  const lines = result.stderr.split("\n").filter((line) => line.trim() !== "");
  for (const line of lines) {
    const openFailed = OPEN_FAILED.exec(line);
    if (!openFailed) continue;
    const reason = (openFailed[2] ?? "").trim();
    if (/busy/i.test(reason)) throw new TapeDeviceBusyError(options.device);
    throw new TapeDeviceOpenError(options.device, reason);
  }
  throw new TapeinfoFailedError(options.device, result.exitCode, lines);
}
