import { describe, expect, it } from "vitest";
import { renderStatusPage } from "../../../services/gateway/status-page.ts";
import type { TapeListing } from "../../../shared/messages/commands.ts";

const tape = (barcode: string, simulated: boolean): TapeListing => ({
  barcode,
  location: "slot",
  slot: 1,
  drive: null,
  cleaning: false,
  simulated,
  state: "formatted",
  usedKiB: 10,
  capacityKiB: 100,
});

const page = (tapes: TapeListing[]) =>
  renderStatusPage({
    queue: null,
    tapes: { tapes },
    problems: [],
    generatedAt: new Date("2026-12-07T09:00:00.000Z"),
    libraryId: "default",
  });

describe("the status page", () => {
  it("marks each tape of a simulated library, and says first what that means", () => {
    const html = page([tape("SIM001L9", true), tape("AAK788L9", false)]);
    expect(html).toContain(
      '<p class="simulated">1 SIMULATED tape: loop images of a simulated library ([Device] simulate); nothing archived on them is an archive.</p>',
    );
    expect(html).toMatch(/<code>SIM001L9<\/code>.*<strong class="simulated">SIMULATED<\/strong>/);
    expect(html).not.toMatch(/<code>AAK788L9<\/code>.*SIMULATED/);
  });

  it("says nothing about simulation for a real library", () => {
    expect(page([tape("AAK788L9", false)])).not.toContain("SIMULATED");
  });
});
