import { describe, expect, it } from "vitest";
import {
  DEFAULT_EXPORT_FLAGS,
  formatExportFlags,
  parseExportOptions,
} from "../../../../infra/simulator/nfs/export-options.ts";
import { clientKind, inListingOrder } from "../../../../infra/simulator/nfs/export-table.ts";
import { readFixture } from "../../hardware/ltfs/ltfs-captures.ts";

function format(options: string): string {
  const parsed = parseExportOptions(options);
  if (!parsed.ok) throw new Error(parsed.message);
  return formatExportFlags(parsed.flags);
}

describe("export options", () => {
  it("prints a command-line export's defaults in nfs-utils' order", () => {
    expect(formatExportFlags(DEFAULT_EXPORT_FLAGS)).toBe(
      "sync,wdelay,hide,no_subtree_check,sec=sys,ro,root_squash,no_all_squash",
    );
  });

  it("prints what real nfs-utils 2.6.2 prints for ro,insecure,fsid=12: neither secure nor insecure", () => {
    const real = readFixture(
      "real/exportfs/exportfs-v-debian12-nfs-utils-2.6.2-ro-insecure-fsid-client-column.txt",
    );
    expect(`127.0.0.1(${format("ro,insecure,fsid=12,no_subtree_check")})\n`).toBe(real);
    expect(format("ro,secure,fsid=12")).toBe(format("ro,insecure,fsid=12"));
  });

  it("prints the options of the real `exportfs -s` capture the same way, less `secure`", () => {
    // exportfs-s-single-host.txt (an older nfs-utils, which listed secure): /srv/share  192.168.57.151(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,no_root_squash,no_all_squash)
    expect(format("rw,sync,no_subtree_check,no_root_squash")).toBe(
      "sync,wdelay,hide,no_subtree_check,sec=sys,rw,no_root_squash,no_all_squash",
    );
  });

  it("places optional settings where dump() prints them", () => {
    expect(
      format(
        "async,no_wdelay,nohide,crossmnt,subtree_check,insecure,all_squash,fsid=root,anonuid=1000,sec=krb5:sys",
      ),
    ).toBe(
      "async,no_wdelay,nohide,crossmnt,fsid=0,anonuid=1000,sec=krb5:sys,ro,root_squash,all_squash",
    );
  });

  it("refuses unknown keywords and bad numbers with nfs-utils' messages", () => {
    expect(parseExportOptions("ro,bogus")).toEqual({
      ok: false,
      message: 'command line:0: unknown keyword "bogus"',
    });
    expect(parseExportOptions("anonuid=x")).toEqual({
      ok: false,
      message: 'command line: 0: bad anonuid "anonuid=x"',
    });
  });
});

describe("client kinds", () => {
  it("sorts hosts before networks, wildcards, netgroups and anyone, as exportfs lists them", () => {
    expect(["*", "@staff", "*.lab", "10.0.0.0/24", "10.0.0.5", "client1"].map(clientKind)).toEqual([
      "anonymous",
      "netgroup",
      "wildcard",
      "network",
      "network",
      "host",
    ]);
    const entry = (client: string) => ({ client, path: "/x", flags: DEFAULT_EXPORT_FLAGS });
    expect(
      inListingOrder([entry("*"), entry("10.0.0.5"), entry("client1")]).map((e) => e.client),
    ).toEqual(["client1", "10.0.0.5", "*"]);
  });
});
