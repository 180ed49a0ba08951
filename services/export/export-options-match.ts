/*
 * Whether the options `exportfs -v` lists for an export are the ones it was made with. exportfs
 * does not echo what it was given: it prints every setting in its own words and order, some only
 * when they differ from the default (nfs-utils' dump()). So each configured option is checked
 * against what exportfs would print for it.
 */

/**
 * Settings printed in every listing, one word of each pair: the given word must be listed.
 * Not `secure`/`insecure`: nfs-utils 2.6.2 (Debian 12) lists neither, older versions one of them.
 */
const ALWAYS_LISTED = new Set([
  "ro",
  "rw",
  "sync",
  "async",
  "wdelay",
  "no_wdelay",
  "hide",
  "nohide",
  "root_squash",
  "no_root_squash",
  "all_squash",
  "no_all_squash",
]);

/** Settings printed only when on: the word printed, and whether the option turns it on. */
const LISTED_WHEN_ON: Readonly<Record<string, readonly [string, boolean]>> = {
  crossmnt: ["crossmnt", true],
  nocrossmnt: ["crossmnt", false],
  no_subtree_check: ["no_subtree_check", true],
  subtree_check: ["no_subtree_check", false],
  insecure_locks: ["insecure_locks", true],
  no_auth_nlm: ["insecure_locks", true],
  secure_locks: ["insecure_locks", false],
  auth_nlm: ["insecure_locks", false],
  nordirplus: ["nordirplus", true],
  security_label: ["security_label", true],
  no_acl: ["no_acl", true],
  acl: ["no_acl", false],
  pnfs: ["pnfs", true],
  no_pnfs: ["pnfs", false],
};

/**
 * Listed by some nfs-utils versions only: checked when the listing shows either word of the pair,
 * taken as shown when it shows neither (exportfs refuses a bad keyword when the export is made).
 */
const LISTED_BY_SOME_VERSIONS: Readonly<Record<string, string>> = {
  secure: "insecure",
  insecure: "secure",
};

/** anonuid and anongid are listed only when they are not nobody's (65534). */
const DEFAULT_ANONYMOUS_ID = "65534";

/**
 * The configured options (`[Export] settings`, comma-separated) that the listed options of an
 * export do not show; empty when the export is as configured. Options this check does not know
 * are taken as shown: exportfs refuses unknown keywords when the export is made.
 *
 * @example
 * unconfirmedOptions("ro,fsid=1", ["sync", "wdelay", "hide", "no_subtree_check", "fsid=1", "sec=sys", "rw"]) // ["ro"]
 */
export function unconfirmedOptions(settings: string, listed: readonly string[]): string[] {
  const shown = new Set(listed.map(normalise));
  const listedValue = (key: string) =>
    [...shown].find((option) => option.startsWith(`${key}=`))?.slice(key.length + 1) ?? null;
  return settings
    .split(",")
    .map((option) => option.trim())
    .filter((option) => option !== "")
    .filter((option) => {
      const wanted = normalise(option);
      if (ALWAYS_LISTED.has(wanted)) return !shown.has(wanted);
      const opposite = LISTED_BY_SOME_VERSIONS[wanted];
      if (opposite !== undefined) return !shown.has(wanted) && shown.has(opposite);
      const whenOn = LISTED_WHEN_ON[wanted];
      if (whenOn !== undefined) return shown.has(whenOn[0]) !== whenOn[1];
      const equals = wanted.indexOf("=");
      const key = equals < 0 ? wanted : wanted.slice(0, equals);
      const value = equals < 0 ? null : wanted.slice(equals + 1);
      if (key === "anonuid" || key === "anongid") {
        return (listedValue(key) ?? DEFAULT_ANONYMOUS_ID) !== value;
      }
      if (key === "mountpoint") return !shown.has(wanted);
      if (key === "fsid" || key === "sec") return listedValue(key) !== value;
      return false;
    });
}

/** One option as exportfs prints it: `mp` is `mountpoint`, `fsid=root` and `fsid=0x10` numbers. */
function normalise(option: string): string {
  if (option === "mp") return "mountpoint";
  if (option.startsWith("mp=")) return `mountpoint=${option.slice(3)}`;
  if (option === "fsid=root") return "fsid=0";
  const hex = /^fsid=(0x[0-9a-f]+)$/i.exec(option)?.[1];
  if (hex !== undefined) return `fsid=${Number(hex)}`;
  return option;
}
