/**
 * NFS export options as nfs-utils keeps them (support/nfs/exports.c) and prints them
 * (exportfs.c dump()). Defaults are those of an export made on the command line:
 * ro, root_squash, wdelay, no_subtree_check, sync, sec=sys, anonuid/anongid 65534.
 */
export interface ExportFlags {
  readonly readOnly: boolean;
  readonly async: boolean;
  readonly wdelay: boolean;
  readonly noHide: boolean;
  readonly crossMount: boolean;
  readonly noSubtreeCheck: boolean;
  readonly insecureLocks: boolean;
  readonly noReaddirPlus: boolean;
  readonly securityLabel: boolean;
  readonly noAcl: boolean;
  readonly pnfs: boolean;
  readonly insecure: boolean;
  readonly rootSquash: boolean;
  readonly allSquash: boolean;
  /** `fsid=N` (`fsid=root` is 0); null when not set. */
  readonly fsid: number | null;
  /** `fsid=<uuid>`. */
  readonly fsidUuid: string | null;
  /** `mountpoint` / `mp` (""), or `mountpoint=<path>`; null when not set. */
  readonly mountpoint: string | null;
  readonly anonuid: number;
  readonly anongid: number;
  /** Security flavors in order (`sec=krb5:sys`). */
  readonly sec: readonly string[];
}

export const DEFAULT_EXPORT_FLAGS: ExportFlags = {
  readOnly: true,
  async: false,
  wdelay: true,
  noHide: false,
  crossMount: false,
  noSubtreeCheck: true,
  insecureLocks: false,
  noReaddirPlus: false,
  securityLabel: false,
  noAcl: false,
  pnfs: false,
  insecure: false,
  rootSquash: true,
  allSquash: false,
  fsid: null,
  fsidUuid: null,
  mountpoint: null,
  anonuid: 65534,
  anongid: 65534,
  sec: ["sys"],
};

const FLAVORS = new Set(["sys", "krb5", "krb5i", "krb5p", "unix", "none", "null"]);

type Switch = readonly [keyof ExportFlags, boolean];

const SWITCHES: Readonly<Record<string, Switch>> = {
  ro: ["readOnly", true],
  rw: ["readOnly", false],
  secure: ["insecure", false],
  insecure: ["insecure", true],
  sync: ["async", false],
  async: ["async", true],
  nordirplus: ["noReaddirPlus", true],
  security_label: ["securityLabel", true],
  nohide: ["noHide", true],
  hide: ["noHide", false],
  crossmnt: ["crossMount", true],
  nocrossmnt: ["crossMount", false],
  wdelay: ["wdelay", true],
  no_wdelay: ["wdelay", false],
  root_squash: ["rootSquash", true],
  no_root_squash: ["rootSquash", false],
  all_squash: ["allSquash", true],
  no_all_squash: ["allSquash", false],
  subtree_check: ["noSubtreeCheck", false],
  no_subtree_check: ["noSubtreeCheck", true],
  auth_nlm: ["insecureLocks", false],
  no_auth_nlm: ["insecureLocks", true],
  secure_locks: ["insecureLocks", false],
  insecure_locks: ["insecureLocks", true],
  acl: ["noAcl", false],
  no_acl: ["noAcl", true],
  pnfs: ["pnfs", true],
  no_pnfs: ["pnfs", false],
};

export type ExportOptionsResult =
  | { readonly ok: true; readonly flags: ExportFlags }
  /** nfs-utils' complaint, e.g. `command line:0: unknown keyword "foo"`. */
  | { readonly ok: false; readonly message: string };

function integer(text: string): number | null {
  return /^-?\d+$/.test(text) ? Number(text) : null;
}

/**
 * Applies a comma-separated option list (exportfs -o) on top of `base`, as parseopts() does.
 *
 * @example
 * parseExportOptions("rw,no_root_squash").ok // true, with readOnly false and rootSquash false
 */
export function parseExportOptions(
  text: string | null,
  base: ExportFlags = DEFAULT_EXPORT_FLAGS,
): ExportOptionsResult {
  const flags: { -readonly [K in keyof ExportFlags]: ExportFlags[K] } = { ...base };
  for (const option of (text ?? "").trim().split(",")) {
    if (option === "") continue;
    const toggle = SWITCHES[option];
    if (toggle !== undefined) {
      (flags as Record<string, unknown>)[toggle[0]] = toggle[1];
    } else if (option.startsWith("anonuid=") || option.startsWith("anongid=")) {
      const value = integer(option.slice(8));
      if (value === null) {
        return { ok: false, message: `command line: 0: bad ${option.slice(0, 7)} "${option}"` };
      }
      if (option.startsWith("anonuid=")) flags.anonuid = value;
      else flags.anongid = value;
    } else if (option.startsWith("fsid=")) {
      const value = option.slice(5);
      if (value === "root") flags.fsid = 0;
      else if (/^\d+$/.test(value) || /^0x[0-9a-f]+$/i.test(value)) flags.fsid = Number(value);
      else if ((value.match(/[0-9a-f]/gi) ?? []).length === 32) flags.fsidUuid = value;
      else return { ok: false, message: `command line: 0: bad fsid "${option}"` };
    } else if (option === "mountpoint" || option === "mp") {
      flags.mountpoint = "";
    } else if (option.startsWith("mountpoint=") || option.startsWith("mp=")) {
      flags.mountpoint = option.slice(option.indexOf("=") + 1);
    } else if (option.startsWith("sec=")) {
      const wanted = option.slice(4).split(":");
      const unknown = wanted.find((flavor) => !FLAVORS.has(flavor));
      if (unknown !== undefined) return { ok: false, message: `unknown flavor ${unknown}` };
      flags.sec = wanted;
    } else {
      return { ok: false, message: `command line:0: unknown keyword "${option}"` };
    }
  }
  return { ok: true, flags };
}

/**
 * The option list `exportfs -v` prints, in nfs-utils' fixed order, without parentheses. As
 * nfs-utils 2.6.2 (Debian 12) it prints neither `secure` nor `insecure`: the setting is kept but
 * not listed (fixture real/exportfs/exportfs-v-debian12-nfs-utils-2.6.2-ro-insecure-fsid-client-column.txt).
 */
export function formatExportFlags(flags: ExportFlags): string {
  const options = [
    flags.async ? "async" : "sync",
    flags.wdelay ? "wdelay" : "no_wdelay",
    flags.noHide ? "nohide" : "hide",
  ];
  if (flags.crossMount) options.push("crossmnt");
  if (flags.noSubtreeCheck) options.push("no_subtree_check");
  if (flags.insecureLocks) options.push("insecure_locks");
  if (flags.noReaddirPlus) options.push("nordirplus");
  if (flags.securityLabel) options.push("security_label");
  if (flags.noAcl) options.push("no_acl");
  if (flags.pnfs) options.push("pnfs");
  if (flags.fsid !== null) options.push(`fsid=${flags.fsid}`);
  if (flags.fsidUuid !== null) options.push(`fsid=${flags.fsidUuid}`);
  if (flags.mountpoint !== null) {
    options.push(flags.mountpoint === "" ? "mountpoint" : `mountpoint=${flags.mountpoint}`);
  }
  if (flags.anonuid !== 65534) options.push(`anonuid=${flags.anonuid}`);
  if (flags.anongid !== 65534) options.push(`anongid=${flags.anongid}`);
  options.push(
    `sec=${flags.sec.join(":")}`,
    flags.readOnly ? "ro" : "rw",
    flags.rootSquash ? "root_squash" : "no_root_squash",
    flags.allSquash ? "all_squash" : "no_all_squash",
  );
  return options.join(",");
}
