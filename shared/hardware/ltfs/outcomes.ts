import type { CommandResult } from "../../exec/index.ts";
import {
  InvalidVolumeSerialError,
  LtfsCommandFailedError,
  LtfsDeviceUnavailableError,
  type LtfsErrorFields,
  LtfsMountNotConfirmedError,
  LtfsMountPointMissingError,
  TapeAlreadyFormattedError,
  TapeInconsistentError,
  TapeNeedsRecoveryError,
  TapeNotFormattedError,
  TapeWriteProtectedError,
} from "./errors.ts";
import { findMessage, hasMessage, type LtfsMessage, parseLtfsOutput } from "./messages.ts";

/*
 * What mkltfs, ltfs and ltfsck really mean by their exit codes (captured runs of LTFS 2.4.8.4):
 * mkltfs exits 1 after a successful wipe, ltfsck exits 1 on a clean tape, ltfs exits 0 when FUSE
 * refused the mount point, and LTFS30061E is printed on every run. So each outcome is decided from
 * the exit code together with message ids, never from message text.
 */

/** The part of a finished command an outcome is decided from. */
export type ToolOutput = Pick<CommandResult, "exitCode" | "stdout" | "stderr">;
/** A finished command, with what an error message needs to name it. */
export type ToolRun = Pick<CommandResult, "command" | "args" | "exitCode" | "stdout" | "stderr">;

/** What a mount-time message says about the volume. */
export interface VolumeInfo {
  /** Volume serial (barcode) from LTFS11031I/LTFS16024I; null when LTFS says NO_BARCODE. */
  readonly volumeSerial: string | null;
  /** Index generation from LTFS11031I ("Gen = 3"). */
  readonly generation: number | null;
}

export type MkltfsOutcome =
  | {
      readonly kind: "formatted";
      readonly volumeUuid: string | null;
      /** "Volume capacity is 3 GB" (LTFS15019I), in the GB mkltfs prints. */
      readonly capacityGB: number | null;
      readonly messages: readonly LtfsMessage[];
    }
  /** `mkltfs -w` succeeded; it exits 1 for this (LTFS15040I). */
  | { readonly kind: "unformatted"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "already-formatted"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "invalid-serial"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "write-protected"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "device-unavailable"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "failed"; readonly messages: readonly LtfsMessage[] };

export type LtfsMountOutcome =
  /** ltfs exited 0 without a FUSE complaint; only the mount table proves the mount. */
  | ({
      readonly kind: "started";
      /** Why LTFS mounted read-only on its own (LTFS14019I write-protected, 14071I full …), or null. */
      readonly readOnlyReason: string | null;
      readonly messages: readonly LtfsMessage[];
    } & VolumeInfo)
  /** ltfs exited 0 but FUSE refused the mount point (LTFS14123W, `fuse: …` lines): nothing mounted. */
  | {
      readonly kind: "fuse-refused";
      readonly otherLines: readonly string[];
      readonly messages: readonly LtfsMessage[];
    }
  | { readonly kind: "not-formatted"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "needs-recovery"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "mount-point-missing"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "device-unavailable"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "failed"; readonly messages: readonly LtfsMessage[] };

export type LtfsckOutcome =
  | ({
      readonly kind: "consistent";
      /** ltfsck wrote a new index to restore consistency (LTFS11230I), e.g. after a crash. */
      readonly recovered: boolean;
      readonly volumeUuid: string | null;
      readonly messages: readonly LtfsMessage[];
    } & VolumeInfo)
  | { readonly kind: "not-formatted"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "inconsistent"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "device-unavailable"; readonly messages: readonly LtfsMessage[] }
  | { readonly kind: "failed"; readonly messages: readonly LtfsMessage[] };

const MKLTFS_OPERATIONAL_ERROR = 8;
const LTFSCK_CORRECTED = 1;
const LTFSCK_UNCORRECTED = 4;
const LTFSCK_OPERATIONAL_ERROR = 8;
/** The device could not be opened (backend open call, mkltfs, ltfs, ltfsck). */
const CANNOT_OPEN_DEVICE = ["12012E", "15009E", "10004E", "16011E"];
/** Messages with which LTFS announces a read-only mount it chose itself. */
const READ_ONLY_REASONS = ["14019I", "14071I", "14072I", "14073I", "14074I", "14077I", "14078I"];

/**
 * What a mkltfs run did.
 *
 * @example
 * mkltfsOutcome({ exitCode: 16, stdout: "", stderr: "LTFS15047E Medium is already formatted (0).\n" }).kind
 * // "already-formatted"
 */
export function mkltfsOutcome(output: ToolOutput): MkltfsOutcome {
  const { messages } = parseToolOutput(output);
  if (output.exitCode === 0) {
    return {
      kind: "formatted",
      volumeUuid: matchIn(messages, "15013I", /([0-9a-f]{8}-[0-9a-f-]{27})/i),
      capacityGB: numberIn(messages, "15019I", /(\d+)\s*GB/),
      messages,
    };
  }
  if (hasMessage(messages, "15047E")) return { kind: "already-formatted", messages };
  if (hasMessage(messages, "15029E", "15030E")) return { kind: "invalid-serial", messages };
  if (hasMessage(messages, "11095E")) return { kind: "write-protected", messages };
  if (output.exitCode === 1 && hasMessage(messages, "15040I")) {
    return { kind: "unformatted", messages };
  }
  if (output.exitCode === MKLTFS_OPERATIONAL_ERROR || hasMessage(messages, ...CANNOT_OPEN_DEVICE)) {
    return { kind: "device-unavailable", messages };
  }
  return { kind: "failed", messages };
}

/**
 * What an `ltfs` mount run did. "started" is not proof of a mount: check the mount table.
 *
 * @example
 * ltfsMountOutcome({ exitCode: 1, stdout: "", stderr: "643b LTFS17168E Cannot read volume: medium is not partitioned.\n" }).kind
 * // "not-formatted"
 */
export function ltfsMountOutcome(output: ToolOutput): LtfsMountOutcome {
  const { messages, otherLines } = parseToolOutput(output);
  if (output.exitCode === 0) {
    const fuseLines = otherLines.filter((line) => line.startsWith("fuse:"));
    if (hasMessage(messages, "14123W") || fuseLines.length > 0) {
      return { kind: "fuse-refused", otherLines: fuseLines, messages };
    }
    const reason = messages.find((m) => READ_ONLY_REASONS.includes(m.id));
    return {
      kind: "started",
      ...volumeInfo(messages),
      readOnlyReason: reason ? reason.text : null,
      messages,
    };
  }
  if (hasMessage(messages, "17168E")) return { kind: "not-formatted", messages };
  if (hasMessage(messages, "11220E", "11027E")) return { kind: "needs-recovery", messages };
  if (hasMessage(messages, "14094E")) return { kind: "mount-point-missing", messages };
  if (hasMessage(messages, ...CANNOT_OPEN_DEVICE)) return { kind: "device-unavailable", messages };
  return { kind: "failed", messages };
}

/**
 * What an ltfsck check did. Exit 1 with LTFS16022I is the normal result for a clean tape.
 *
 * @example
 * ltfsckOutcome({ exitCode: 1, stdout: "", stderr: "LTFS16022I Volume is consistent.\n" }).kind
 * // "consistent"
 */
export function ltfsckOutcome(output: ToolOutput): LtfsckOutcome {
  const { messages } = parseToolOutput(output);
  if (hasMessage(messages, "17168E")) return { kind: "not-formatted", messages };
  const succeeded = output.exitCode === 0 || output.exitCode === LTFSCK_CORRECTED;
  if (succeeded && !hasMessage(messages, "16021E", "16080E", "16087E")) {
    return {
      kind: "consistent",
      recovered: hasMessage(messages, "11230I"),
      ...volumeInfo(messages),
      volumeUuid: matchIn(messages, "16025I", /:\s*(\S+)\s*$/),
      messages,
    };
  }
  if (
    output.exitCode === LTFSCK_UNCORRECTED ||
    hasMessage(messages, "16021E", "16080E", "16087E")
  ) {
    return { kind: "inconsistent", messages };
  }
  if (output.exitCode === LTFSCK_OPERATIONAL_ERROR || hasMessage(messages, ...CANNOT_OPEN_DEVICE)) {
    return { kind: "device-unavailable", messages };
  }
  return { kind: "failed", messages };
}

/** Who and where, for the errors the `…OrThrow` functions raise. */
export interface LtfsRunContext {
  readonly device: string;
  readonly mountPoint?: string;
  /** The mount table checked, named in LtfsMountNotConfirmedError. Default "/proc/mounts". */
  readonly mountTable?: string;
}

/**
 * The successful mkltfs outcome ("formatted", or "unformatted" after `-w`), or the typed error
 * for the failure: TapeAlreadyFormattedError, InvalidVolumeSerialError, TapeWriteProtectedError,
 * LtfsDeviceUnavailableError, LtfsCommandFailedError.
 */
export function mkltfsResultOrThrow(
  run: ToolRun,
  context: LtfsRunContext,
): Extract<MkltfsOutcome, { kind: "formatted" | "unformatted" }> {
  const outcome = mkltfsOutcome(run);
  const fields: LtfsErrorFields = { device: context.device, messages: outcome.messages };
  switch (outcome.kind) {
    case "formatted":
    case "unformatted":
      return outcome;
    case "already-formatted":
      throw new TapeAlreadyFormattedError(fields);
    case "invalid-serial":
      throw new InvalidVolumeSerialError(argumentAfter(run.args, "-s") ?? "", fields);
    case "write-protected":
      throw new TapeWriteProtectedError(fields);
    case "device-unavailable":
      throw new LtfsDeviceUnavailableError("mkltfs", fields);
    case "failed":
      throw new LtfsCommandFailedError(run, fields);
  }
}

/**
 * The "started" ltfs outcome, or the typed error: TapeNotFormattedError, TapeNeedsRecoveryError,
 * LtfsMountPointMissingError, LtfsDeviceUnavailableError, LtfsMountNotConfirmedError (FUSE
 * refused), LtfsCommandFailedError.
 */
export function ltfsMountResultOrThrow(
  run: ToolRun,
  context: LtfsRunContext,
): Extract<LtfsMountOutcome, { kind: "started" }> {
  const outcome = ltfsMountOutcome(run);
  const fields: LtfsErrorFields = {
    device: context.device,
    mountPoint: context.mountPoint ?? null,
    messages: outcome.messages,
  };
  switch (outcome.kind) {
    case "started":
      return outcome;
    case "fuse-refused":
      throw new LtfsMountNotConfirmedError(
        context.mountTable ?? "/proc/mounts",
        outcome.otherLines,
        fields,
      );
    case "not-formatted":
      throw new TapeNotFormattedError(fields);
    case "needs-recovery":
      throw new TapeNeedsRecoveryError(fields);
    case "mount-point-missing":
      throw new LtfsMountPointMissingError(fields);
    case "device-unavailable":
      throw new LtfsDeviceUnavailableError("ltfs", fields);
    case "failed":
      throw new LtfsCommandFailedError(run, fields);
  }
}

/**
 * The "consistent" ltfsck outcome, or the typed error: TapeNotFormattedError,
 * TapeInconsistentError, LtfsDeviceUnavailableError, LtfsCommandFailedError.
 */
export function ltfsckResultOrThrow(
  run: ToolRun,
  context: LtfsRunContext,
): Extract<LtfsckOutcome, { kind: "consistent" }> {
  const outcome = ltfsckOutcome(run);
  const fields: LtfsErrorFields = { device: context.device, messages: outcome.messages };
  switch (outcome.kind) {
    case "consistent":
      return outcome;
    case "not-formatted":
      throw new TapeNotFormattedError(fields);
    case "inconsistent":
      throw new TapeInconsistentError(fields);
    case "device-unavailable":
      throw new LtfsDeviceUnavailableError("ltfsck", fields);
    case "failed":
      throw new LtfsCommandFailedError(run, fields);
  }
}

/** Messages go to stderr; stdout holds the `ltfsck -l` table and device lists. */
function parseToolOutput(output: ToolOutput) {
  return parseLtfsOutput(`${output.stderr}\n${output.stdout}`);
}

/**
 * Serial and generation from LTFS11031I, whose format is
 * "Volume mounted successfully. %s : Gen = %lld / (%c, %lld) -> (%c, %lld) / %s".
 */
function volumeInfo(messages: readonly LtfsMessage[]): VolumeInfo {
  // ltfsck can mount more than once (rollback); the last mount shows the final state.
  const mounted = messages.findLast((message) => message.id === "11031I");
  const match = mounted ? /(\S+) : Gen = (\d+)/.exec(mounted.text) : null;
  const serial = match?.[1] ?? matchIn(messages, "16024I", /:\s*(\S+)\s*$/);
  return {
    volumeSerial: serial === "NO_BARCODE" ? null : (serial ?? null),
    generation: match?.[2] === undefined ? null : Number(match[2]),
  };
}

function matchIn(messages: readonly LtfsMessage[], id: string, pattern: RegExp): string | null {
  const message = findMessage(messages, id);
  return (message && pattern.exec(message.text)?.[1]) ?? null;
}

function numberIn(messages: readonly LtfsMessage[], id: string, pattern: RegExp): number | null {
  const value = matchIn(messages, id, pattern);
  return value === null ? null : Number(value);
}

function argumentAfter(args: readonly string[], flag: string): string | null {
  const index = args.indexOf(flag);
  return index >= 0 ? (args[index + 1] ?? null) : null;
}
