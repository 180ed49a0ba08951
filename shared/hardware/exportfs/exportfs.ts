import { runCommand } from "../../exec/index.ts";
import { ExportfsFailedError, ExportRequiresFsidError } from "./errors.ts";
import { type ExportEntry, parseExportfsVerbose } from "./parse-exportfs.ts";

export interface ExportfsCommand {
  /** Command name or path of exportfs. */
  readonly exportfsPath: string;
  readonly timeoutMs?: number;
  /** Runs the command; tests pass a fake. */
  readonly run?: typeof runCommand;
}

export interface ExportTarget extends ExportfsCommand {
  /** Host, network (192.168.0.0/16) or pattern allowed to mount; "*" for everyone. */
  readonly client: string;
  /** The folder to export, absolute. */
  readonly path: string;
}

export interface ExportRequest extends ExportTarget {
  /** exportfs options, as one comma list ("ro,fsid=1") or a list. */
  readonly options: string | readonly string[];
}

export interface ExportResult {
  /** The `client:path` argument exportfs was given. */
  readonly target: string;
  /** What exportfs printed on stderr while succeeding (e.g. the subtree_check default notice). */
  readonly warnings: readonly string[];
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Exports a folder to a client: `exportfs -o <options> <client>:<path>`. On failure the
 * half-made export is withdrawn again, so nothing is left behind.
 *
 * @example
 * await exportFolder({ exportfsPath: "exportfs", client: "192.168.0.0/16", options: "ro,fsid=1", path: "/mnt/ltfs0" });
 * // runs: exportfs -o ro,fsid=1 192.168.0.0/16:/mnt/ltfs0
 */
export async function exportFolder(request: ExportRequest): Promise<ExportResult> {
  const run = request.run ?? runCommand;
  const target = exportTarget(request.client, request.path);
  const options = typeof request.options === "string" ? request.options : request.options.join(",");
  const args = [...(options === "" ? [] : ["-o", options]), target];
  const result = await run(request.exportfsPath, args, { timeoutMs: timeout(request) });
  const lines = nonEmptyLines(result.stderr);
  if (result.exitCode === 0) return { target, warnings: lines };
  // exportfs records the export before it validates the path; take it back out.
  await run(request.exportfsPath, ["-u", target], { timeoutMs: timeout(request) }).catch(() => {});
  if (lines.some((line) => line.includes("requires fsid="))) {
    throw new ExportRequiresFsidError(target);
  }
  throw new ExportfsFailedError(args, result.exitCode, lines, target);
}

/**
 * Withdraws an export: `exportfs -u <client>:<path>`. Unexporting what is not exported is not an
 * error (exportfs says "Could not find …"); `wasExported` tells the two apart.
 *
 * @example
 * await unexportFolder({ exportfsPath: "exportfs", client: "192.168.0.0/16", path: "/mnt/ltfs0" }) // { wasExported: true }
 */
export async function unexportFolder(request: ExportTarget): Promise<{ wasExported: boolean }> {
  const run = request.run ?? runCommand;
  const target = exportTarget(request.client, request.path);
  const args = ["-u", target];
  const result = await run(request.exportfsPath, args, { timeoutMs: timeout(request) });
  if (result.exitCode === 0) return { wasExported: true };
  const lines = nonEmptyLines(result.stderr);
  if (lines.length > 0 && lines.every((line) => /Could not find '.*' to unexport/.test(line))) {
    return { wasExported: false };
  }
  throw new ExportfsFailedError(args, result.exitCode, lines, target);
}

/**
 * The current exports: `exportfs -v`, parsed.
 *
 * @example
 * await listExports({ exportfsPath: "exportfs" })
 * // [{ path: "/mnt/ltfs0", client: "192.168.0.0/16", options: ["sync", "wdelay", "hide", …, "ro", …] }]
 */
export async function listExports(command: ExportfsCommand): Promise<ExportEntry[]> {
  const run = command.run ?? runCommand;
  const args = ["-v"];
  const result = await run(command.exportfsPath, args, { timeoutMs: timeout(command) });
  if (result.exitCode !== 0) {
    throw new ExportfsFailedError(args, result.exitCode, nonEmptyLines(result.stderr), null);
  }
  return parseExportfsVerbose(result.stdout);
}

/** `client:/path`; an IPv6 address goes in brackets, as exportfs requires. */
export function exportTarget(client: string, path: string): string {
  const host = client.includes(":") && !client.startsWith("[") ? `[${client}]` : client;
  return `${host}:${path}`;
}

function timeout(command: ExportfsCommand): number {
  return command.timeoutMs ?? DEFAULT_TIMEOUT_MS;
}

function nonEmptyLines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "");
}
