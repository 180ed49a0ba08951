import fs from "node:fs";
import { STATE_ENV_VARIABLE } from "../install-bin.ts";
import { withLibraryLock } from "../library-state.ts";
import { getoptLong, hasOption, lastValue, type OptionSpec } from "../ltfs/getopt.ts";
import type { ToolOutput } from "../ltfs/ltfs-log.ts";
import { formatExportFlags, parseExportOptions } from "./export-options.ts";
import {
  clientKind,
  type ExportEntry,
  inListingOrder,
  readExportTable,
  writeExportTable,
} from "./export-table.ts";

const EXPORTFS_OPTIONS: readonly OptionSpec[] = [
  { key: "all", short: "a", takesValue: false },
  { key: "debug", short: "d", takesValue: true },
  { key: "flush", short: "f", takesValue: false },
  { key: "help", short: "h", takesValue: false },
  { key: "ignore", short: "i", takesValue: false },
  { key: "options", short: "o", takesValue: true },
  { key: "reexport", short: "r", takesValue: false },
  { key: "unexport", short: "u", takesValue: false },
  { key: "verbose", short: "v", takesValue: false },
  { key: "export-format", short: "s", takesValue: false },
];

const USAGE = "usage: exportfs [-adfhioruvs] [host:/path]\n";

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  ENOTDIR: "Not a directory",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
};

/** `exportfs -v` / `exportfs` / `exportfs -s` listings, byte for byte as nfs-utils' dump(). */
export function formatExportListing(
  exports: readonly ExportEntry[],
  mode: { readonly verbose: boolean; readonly exportFormat: boolean },
): string {
  let text = "";
  for (const entry of inListingOrder(exports)) {
    const anonymous = clientKind(entry.client) === "anonymous";
    const client = anonymous ? (mode.exportFormat ? "*" : "<world>") : entry.client;
    if (mode.exportFormat) text += `${quotePath(entry.path)} ${client}`;
    else if (entry.path.length > 14) text += `${entry.path}\n\t\t${client}`;
    else text += `${entry.path.padEnd(14)}\t${client}`;
    text += mode.verbose || mode.exportFormat ? `(${formatExportFlags(entry.flags)})\n` : "\n";
  }
  return text;
}

/** qword_add(): blanks, control characters and backslashes as octal escapes. */
function quotePath(path: string): string {
  return [...Buffer.from(path, "utf8")]
    .map((byte) =>
      byte <= 32 || byte === 92 || byte >= 127
        ? `\\${byte.toString(8).padStart(3, "0")}`
        : String.fromCharCode(byte),
    )
    .join("");
}

/**
 * The simulated `exportfs` (nfs-utils): keeps the export table in `<state>/exports` (the state
 * folder comes from PYTARCHIVE_SIM_STATE). `-o OPTS CLIENT:/PATH` adds or updates an export,
 * `-u CLIENT:/PATH` removes it, `-v` / `-s` / no arguments list it; `-r` re-exports
 * /etc/exports, which the simulated server has none of, so it drops the exports made on the
 * command line, as the real one does. Errors go to stderr as `exportfs: …`, exit code 1.
 * Nothing is really served over NFS.
 */
export function runExportfs(
  args: readonly string[],
  output: ToolOutput,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const parsed = getoptLong(args, EXPORTFS_OPTIONS);
  if (!parsed.ok) {
    output.stderr(`exportfs: ${parsed.message}\n${USAGE}`);
    return 1;
  }
  const { options, operands } = parsed;
  if (hasOption(options, "help")) {
    output.stderr(USAGE);
    return 0;
  }
  const all = hasOption(options, "all") || hasOption(options, "reexport");
  const reexport = hasOption(options, "reexport");
  const unexport = hasOption(options, "unexport");
  const verbose = hasOption(options, "verbose");
  const ignore = hasOption(options, "ignore");
  const error = (message: string) => output.stderr(`exportfs: ${message}\n`);
  if (operands.length > 0 && all) {
    error("extra arguments are not permitted with -a or -r");
    return 1;
  }
  if (ignore && (all || unexport)) {
    error("-i not meaningful with -a, -r or -u");
    return 1;
  }
  if (reexport && unexport) {
    error("-r and -u are incompatible");
    return 1;
  }
  const stateDir = env[STATE_ENV_VARIABLE];
  if (stateDir === undefined || stateDir === "") {
    error(
      `${STATE_ENV_VARIABLE} is not set: the simulated exportfs keeps its table in the library's state folder`,
    );
    return 1;
  }
  if (operands.length === 0 && !all) {
    if (hasOption(options, "flush")) return 0;
    output.stdout(
      formatExportListing(readExportTable(stateDir), {
        verbose,
        exportFormat: hasOption(options, "export-format"),
      }),
    );
    return 0;
  }
  return withLibraryLock(stateDir, () => {
    let failed = false;
    const fail = (message: string) => {
      error(message);
      failed = true;
    };
    // /etc/exports of the simulated server is empty: -r starts from nothing, -a adds nothing.
    let table = reexport || (unexport && all) ? [] : readExportTable(stateDir);
    if (!unexport && !ignore && verbose) error("No file systems exported!");
    if (!unexport && !all) {
      for (const operand of operands) {
        table = exportOne(table, operand, lastValue(options, "options"), {
          verbose,
          output,
          fail,
        });
      }
    }
    if (unexport && !all) {
      for (const operand of operands)
        table = unexportOne(table, operand, { verbose, output, fail });
    }
    writeExportTable(stateDir, table);
    return failed ? 1 : 0;
  });
}

interface Reporting {
  readonly verbose: boolean;
  readonly output: ToolOutput;
  readonly fail: (message: string) => void;
}

function splitClientPath(operand: string): { client: string; path: string } | null {
  const colon = operand.indexOf(":");
  if (colon < 0) return null;
  const path = operand.slice(colon + 1);
  if (!path.startsWith("/")) return null;
  return { client: operand.slice(0, colon), path };
}

function exportOne(
  table: ExportEntry[],
  operand: string,
  optionText: string | null,
  report: Reporting,
): ExportEntry[] {
  const target = splitClientPath(operand);
  if (target === null) {
    report.fail(`Invalid export syntax: ${operand}`);
    return table;
  }
  const index = table.findIndex(
    (entry) =>
      entry.path === target.path && entry.client.toLowerCase() === target.client.toLowerCase(),
  );
  const existing = table[index];
  const parsed = parseExportOptions(optionText, existing?.flags);
  if (!parsed.ok) {
    report.fail(parsed.message);
    return table;
  }
  const entry: ExportEntry = {
    client: existing?.client ?? target.client,
    path: target.path,
    flags: parsed.flags,
  };
  const updated = [...table];
  if (existing === undefined) updated.push(entry);
  else updated[index] = entry;
  if (report.verbose) report.output.stdout(`exporting ${entry.client}:${entry.path}\n`);
  // Like nfs-utils, a path that cannot be exported only gets a complaint: the entry stays.
  validateExportPath(entry.path, report.fail);
  return updated;
}

function validateExportPath(path: string, fail: (message: string) => void): void {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    fail(`Failed to stat ${path}: ${ERRNO_TEXT[code] ?? code}`);
    return;
  }
  if (!stats.isDirectory()) fail(`${path} is not a directory. Remote access will fail`);
}

function unexportOne(table: ExportEntry[], operand: string, report: Reporting): ExportEntry[] {
  const target = splitClientPath(operand);
  if (target === null) {
    report.fail(`Invalid export syntax: ${operand}`);
    return table;
  }
  // nfs-utils compares only as many characters as the given path has (trailing "/" dropped).
  const wanted = target.path.replace(/\/+$/, "");
  const kind = clientKind(target.client);
  const kept: ExportEntry[] = [];
  let found = false;
  for (const entry of table) {
    const matches =
      entry.path.slice(0, wanted.length) === wanted &&
      clientKind(entry.client) === kind &&
      entry.client.toLowerCase() === target.client.toLowerCase();
    if (!matches) {
      kept.push(entry);
      continue;
    }
    found = true;
    if (report.verbose) report.output.stdout(`unexporting ${entry.client}:${entry.path}\n`);
  }
  if (!found) report.fail(`Could not find '${target.client}:${target.path}' to unexport.`);
  return kept;
}
