import { describe, expect, it } from "vitest";
import {
  formatInventoryReport,
  type InventoryReport,
} from "../../../services/inventory/engine/index.ts";
import { SAMPLE_REPORT } from "./sample-report.ts";

describe("formatInventoryReport", () => {
  const formatted = formatInventoryReport(SAMPLE_REPORT);

  it("puts the folder count, what is older than 6 months, and the problems in the subject", () => {
    expect(formatted.subject).toBe(
      "pytarchive inventory: 6 folders, 1.5 TiB older than 6 months, 2 unreadable, 1 source folder not listed",
    );
  });

  it("prints totals, each group largest first with sizes and ages, and the unreadable apart", () => {
    expect(formatted.text).toBe(
      [
        "pytarchive inventory of 2026-11-26 06:00 UTC",
        "",
        "All source folders:",
        "  older than 2 years   2  folders   1.5 TiB",
        "  older than 1 year    0  folders       0 B",
        "  older than 6 months  1  folder    3.3 GiB",
        "  recently changed     1  folder   12.0 KiB",
        "  in all               4  folders   1.5 TiB",
        "  2 folders could not be measured and are not in these totals",
        "  Could not be listed: /srv/gone",
        "",
        "== /srv/home ==",
        "",
        "Older than 2 years: 2 folders, 1.5 TiB",
        "     size  age                folder",
        "  1.5 TiB  3 years 2 months   /srv/home/alice",
        "  200 MiB  2 years 10 months  /srv/home/bob",
        "",
        "Older than 1 year: none",
        "",
        "Older than 6 months: 1 folder, 3.3 GiB",
        "     size  age       folder",
        "  3.3 GiB  7 months  /srv/home/carol",
        "",
        "Recently changed: 1 folder, 12.0 KiB",
        "      size  age      folder",
        "  12.0 KiB  12 days  /srv/home/dave",
        "",
        "Could not be measured: 2 folders (not in the totals)",
        "  /srv/home/erin",
        "    du: cannot read directory '/srv/home/erin/private': Permission denied",
        "    (at least 2.0 GiB could be counted; last changed 1 year 2 months ago)",
        "  /srv/home/frank",
        "    did not answer within 10 s",
        "",
        "Totals for /srv/home:",
        "  older than 2 years   2  folders   1.5 TiB",
        "  older than 1 year    0  folders       0 B",
        "  older than 6 months  1  folder    3.3 GiB",
        "  recently changed     1  folder   12.0 KiB",
        "  in all               4  folders   1.5 TiB",
        "  2 folders could not be measured and are not in these totals",
        "",
        "== /srv/gone ==",
        "Could not be listed: does not exist (ENOENT)",
      ].join("\n"),
    );
  });

  it("sums each group up in a few lines for chat, with the totals and each group's largest folders", () => {
    expect(formatted.chat).toBe(
      [
        "pytarchive inventory of 2026-11-26 06:00 UTC: 6 folders in 2 source folders, 1.5 TiB in all",
        "- older than 2 years: 2 folders, 1.5 TiB; largest: /srv/home/alice (1.5 TiB), /srv/home/bob (200 MiB)",
        "- older than 1 year: 0 folders, 0 B",
        "- older than 6 months: 1 folder, 3.3 GiB; largest: /srv/home/carol (3.3 GiB)",
        "- recently changed: 1 folder, 12.0 KiB; largest: /srv/home/dave (12.0 KiB)",
        "- could not be measured: 2 folders",
        "- could not be listed: /srv/gone",
      ].join("\n"),
    );
  });

  it("leaves out per-folder totals and problem lines when there is one clean source folder", () => {
    const home = SAMPLE_REPORT.sources[0] as InventoryReport["sources"][number];
    const clean = { ...home, unreadable: [], totals: { ...home.totals, unreadableCount: 0 } };
    const report: InventoryReport = { ...SAMPLE_REPORT, sources: [clean], totals: clean.totals };
    const { subject, text, chat } = formatInventoryReport(report);

    expect(subject).toBe("pytarchive inventory: 4 folders, 1.5 TiB older than 6 months");
    expect(text).not.toContain("Totals for");
    expect(text).not.toContain("could not");
    expect(text).toContain("  3.3 GiB  7 months  /srv/home/carol");
    expect(chat).toBe(
      [
        "pytarchive inventory of 2026-11-26 06:00 UTC: 4 folders in 1 source folder, 1.5 TiB in all",
        "- older than 2 years: 2 folders, 1.5 TiB; largest: /srv/home/alice (1.5 TiB), /srv/home/bob (200 MiB)",
        "- older than 1 year: 0 folders, 0 B",
        "- older than 6 months: 1 folder, 3.3 GiB; largest: /srv/home/carol (3.3 GiB)",
        "- recently changed: 1 folder, 12.0 KiB; largest: /srv/home/dave (12.0 KiB)",
      ].join("\n"),
    );
  });
});
