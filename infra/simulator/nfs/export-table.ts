import fs from "node:fs";
import { isIP } from "node:net";
import { simulatorLayout } from "../layout.ts";
import type { ExportFlags } from "./export-options.ts";

/** One export: what nfs-utils keeps in /var/lib/nfs/etab. */
export interface ExportEntry {
  readonly client: string;
  readonly path: string;
  readonly flags: ExportFlags;
}

/** `<state>/exports`: the simulated server's export table (etab), in the order exports were made. */
interface ExportTableFile {
  readonly version: 1;
  readonly exports: readonly ExportEntry[];
}

export function readExportTable(stateDir: string): ExportEntry[] {
  const file = simulatorLayout(stateDir).exportsFile;
  try {
    return [...(JSON.parse(fs.readFileSync(file, "utf8")) as ExportTableFile).exports];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

export function writeExportTable(stateDir: string, exports: readonly ExportEntry[]): void {
  const file = simulatorLayout(stateDir).exportsFile;
  const table: ExportTableFile = { version: 1, exports };
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(table, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** nfs-utils' client kinds, in the order `exportfs -v` lists them (MCL_FQDN … MCL_GSS). */
export const CLIENT_KINDS = [
  "host",
  "network",
  "wildcard",
  "netgroup",
  "anonymous",
  "gss",
] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** client_gettype(): `*` is anyone, `@x` a netgroup, `a/b` a network, a bare IP a network too. */
export function clientKind(client: string): ClientKind {
  if (client === "" || client === "*") return "anonymous";
  if (client.startsWith("gss/")) return "gss";
  if (client.startsWith("@")) return "netgroup";
  for (let index = 0; index < client.length; index += 1) {
    const character = client[index];
    if (character === "*" || character === "?" || character === "[") return "wildcard";
    if (character === "/") return "network";
    if (character === "\\") index += 1;
  }
  return isIP(client) === 0 ? "host" : "network";
}

/** Entries grouped by client kind, in creation order within each kind. */
export function inListingOrder(exports: readonly ExportEntry[]): ExportEntry[] {
  return CLIENT_KINDS.flatMap((kind) =>
    exports.filter((entry) => clientKind(entry.client) === kind),
  );
}
