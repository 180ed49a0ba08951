import { decodeMountField } from "../mounts/index.ts";
import { ExportfsOutputUnparseableError } from "./errors.ts";

/** One exported folder and who may mount it. */
export interface ExportEntry {
  readonly path: string;
  /** Host, network or pattern as exportfs prints it; "*" for everyone (`<world>` in `-v`). */
  readonly client: string;
  /** In exportfs's own order, e.g. ["sync", "wdelay", "hide", "no_subtree_check", "sec=sys", "ro", …]. */
  readonly options: readonly string[];
}

// `client(options)`, or a bare client when exportfs is run without -v.
const CLIENT_PART = /^([^\s()]+)(?:\(([^()]*)\))?$/;

/**
 * Parses the export listing of `exportfs -v` (also plain `exportfs`, and `exportfs -s`). exportfs
 * prints the path `%-14s` and a TAB before the client; a longer path stands alone on its line
 * and the client follows on the next, indented by two TABs. Terminal copies turn the TABs into
 * spaces, so any whitespace is accepted. `-rav` progress lines are rejected.
 *
 * @example
 * parseExportfsVerbose("/srv/nfs/kubedata\n\t\t<world>(sync,wdelay,hide,no_subtree_check,sec=sys,ro)\n")
 * // [{ path: "/srv/nfs/kubedata", client: "*", options: ["sync", "wdelay", "hide", "no_subtree_check", "sec=sys", "ro"] }]
 */
export function parseExportfsVerbose(text: string): ExportEntry[] {
  const lines = text
    .split("\n")
    .map((line) => line.replace(/\r$/, ""))
    .filter((line) => line.trim() !== "");
  const entries: ExportEntry[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    if (/^(un)?exporting /.test(line)) {
      throw new ExportfsOutputUnparseableError(line, "progress of `exportfs -v` with -r, -a or -u");
    }
    if (/^\s/.test(line)) {
      throw new ExportfsOutputUnparseableError(line, "a client line without a path before it");
    }
    const next = lines[index + 1];
    if (next !== undefined && /^\s/.test(next)) {
      // A long path alone on its line; the client is on the next, indented one.
      entries.push(entry(line.trimEnd(), next.trim(), line));
      index++;
      continue;
    }
    const [pathPart, clientPart] = splitPathAndClient(line);
    entries.push(entry(pathPart, clientPart, line));
  }
  return entries;
}

/** "/ltfs          \t10.0.0.5(ro)": a TAB when exportfs wrote it, else the last blank run. */
function splitPathAndClient(line: string): [string, string] {
  const trimmed = line.trimEnd();
  const tab = trimmed.lastIndexOf("\t");
  const at = tab >= 0 ? tab : trimmed.search(/\s+\S+$/);
  if (at < 0) throw new ExportfsOutputUnparseableError(line, "no client after the path");
  return [trimmed.slice(0, at).trimEnd(), trimmed.slice(at).trim()];
}

function entry(rawPath: string, clientPart: string, line: string): ExportEntry {
  const match = CLIENT_PART.exec(clientPart);
  if (!match) throw new ExportfsOutputUnparseableError(line, "the client is not `host(options)`");
  const [, client = "", options] = match;
  return {
    // `exportfs -s` escapes blanks in paths as octal, like the mount table.
    path: decodeMountField(rawPath),
    client: client === "<world>" ? "*" : client,
    options: options ? options.split(",").filter((option) => option !== "") : [],
  };
}
