import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { inventoryOf } from "../../../services/changer/index.ts";
import { parseConfig } from "../../../shared/config/index.ts";
import { parseMtxStatus } from "../../../shared/hardware/mtx/index.ts";

/*
 * `[Device] media_capacity`: what a blank cartridge of this library holds, sent with the
 * inventory so that summary and archive count the tape's real room before it is formatted.
 */

const status = parseMtxStatus(
  readFileSync(
    new URL(
      "../../fixtures/real/mtx/status-mhvtl-4drv-37slot-4ie-mixed-media.txt",
      import.meta.url,
    ),
    "utf8",
  ),
);

describe("media_capacity", () => {
  it("is read in KiB from [Device], and absent by default", () => {
    const stated = parseConfig("[Device]\nmedia_capacity = 1048576\n", "pytarchive.conf", {});
    expect(stated.device.mediaCapacityKiB).toBe(1_048_576);
    expect(parseConfig("", "pytarchive.conf", {}).device.mediaCapacityKiB).toBeNull();
    expect(() => parseConfig("[Device]\nmedia_capacity = 1G\n", "pytarchive.conf", {})).toThrow(
      /media_capacity/,
    );
  });

  it("goes with every data cartridge of the inventory, never with a cleaning one", () => {
    const { cartridges } = inventoryOf(status, { mediaCapacityKiB: 1_048_576 });
    const data = cartridges.filter((cartridge) => !cartridge.cleaning);
    const cleaning = cartridges.filter((cartridge) => cartridge.cleaning);
    expect(data.length).toBeGreaterThan(0);
    expect(cleaning.length).toBeGreaterThan(0);
    for (const cartridge of data) expect(cartridge.capacityKiB).toBe(1_048_576);
    for (const cartridge of cleaning) expect(cartridge).not.toHaveProperty("capacityKiB");
    // Not stated: the inventory says nothing, and the catalog uses the LTO generation.
    for (const cartridge of inventoryOf(status).cartridges) {
      expect(cartridge).not.toHaveProperty("capacityKiB");
    }
  });
});
