import { describe, expect, it } from "vitest";
import {
  InvalidVolumeSerialError,
  isValidVolumeSerial,
  volumeSerialFromBarcode,
} from "../../../../shared/hardware/ltfs/index.ts";
import { readFixture } from "./ltfs-captures.ts";

describe("volumeSerialFromBarcode", () => {
  it("takes the first six characters of LTO and M8 barcodes", () => {
    expect(volumeSerialFromBarcode("AAK788L9")).toBe("AAK788");
    expect(volumeSerialFromBarcode("ABC123M8")).toBe("ABC123");
    expect(volumeSerialFromBarcode("IBM001LA")).toBe("IBM001");
    expect(volumeSerialFromBarcode("000711L5")).toBe("000711");
  });

  it("ignores the padding mtx leaves after a volume tag", () => {
    expect(volumeSerialFromBarcode(`HER012L9${" ".repeat(23)}`)).toBe("HER012");
  });

  it("refuses barcodes that give no valid serial, such as lower-case or short ones", () => {
    for (const barcode of ["test22L1", "UA001"]) {
      expect(() => volumeSerialFromBarcode(barcode)).toThrow(InvalidVolumeSerialError);
    }
  });
});

describe("isValidVolumeSerial", () => {
  it("accepts exactly what mkltfs accepts (catalogue LTFS15029E/LTFS15030E)", () => {
    const catalogue = readFixture("real/ltfs/catalog-bin_mkltfs-message-formats.txt");
    expect(catalogue).toContain("LTFS15029E Tape serial must be 6 characters.");
    expect(catalogue).toContain(
      "LTFS15030E Tape serial must contain only ASCII digits and capital letters.",
    );
    expect(["TAPE02", "AAK788", "000001"].map(isValidVolumeSerial)).toEqual([true, true, true]);
    expect(["ABC", "abc123", "TAPE0001", "TAPE-1", ""].map(isValidVolumeSerial)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
