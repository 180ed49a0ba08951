import { describe, expect, it } from "vitest";
import { selectServices } from "../../../services/runner/index.ts";
import type { ServiceDefinition } from "../../../shared/nats/index.ts";

const registry: ServiceDefinition[] = ["catalog", "changer", "gateway"].map((name) => ({
  name,
  start: async () => ({ health: async () => ({ ok: true }), stop: async () => {} }),
}));

describe("selectServices", () => {
  it("runs every registered service when --only is not given", () => {
    expect(selectServices(registry).map((service) => service.name)).toEqual([
      "catalog",
      "changer",
      "gateway",
    ]);
  });

  it("keeps registry order whatever the order of --only, and ignores repeats and spaces", () => {
    expect(
      selectServices(registry, ["gateway", " catalog", "gateway"]).map((service) => service.name),
    ).toEqual(["catalog", "gateway"]);
  });

  it("refuses unknown names, listing the known ones", () => {
    expect(() => selectServices(registry, ["gateway", "ltfs", "export"])).toThrowError(
      expect.objectContaining({
        code: "UNKNOWN_SERVICE",
        message: "Unknown services: ltfs, export.",
        hint: "Known services: catalog, changer, gateway.",
      }),
    );
  });

  it("refuses an --only that names nothing", () => {
    expect(() => selectServices(registry, [""])).toThrowError(
      expect.objectContaining({ code: "NO_SERVICE_SELECTED" }),
    );
  });
});
