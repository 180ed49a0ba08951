import { describe, expect, it } from "vitest";
import { planProcessGroups } from "../../../services/launcher/process-groups.ts";
import { DEFAULT_BACKOFF, nextBackoffMs } from "../../../services/launcher/restart-backoff.ts";
import { SERVICE_REGISTRY } from "../../../services/runner/registry.ts";

const ALL = SERVICE_REGISTRY.map((service) => service.name);

describe("planProcessGroups", () => {
  it("split: the data path in one process, started after the rest (so it stops first)", () => {
    expect(planProcessGroups("split", ALL)).toEqual([
      {
        name: "control",
        services: [
          "echo",
          "catalog",
          "changer",
          "inventory",
          "notifier",
          "export",
          "scheduler",
          "gateway",
        ],
      },
      { name: "data-path", services: ["compression", "ltfs", "verification"] },
    ]);
  });

  it("each: one process a service, in start order; one: a single group", () => {
    expect(planProcessGroups("each", ALL).map((group) => [group.name, group.services])).toEqual(
      ALL.map((name) => [name, [name]]),
    );
    expect(planProcessGroups("one", ALL)).toEqual([{ name: "launcher", services: ALL }]);
  });

  it("leaves out a group --only left empty", () => {
    expect(planProcessGroups("split", ["catalog", "gateway"])).toEqual([
      { name: "control", services: ["catalog", "gateway"] },
    ]);
    expect(planProcessGroups("split", ["ltfs"])).toEqual([
      { name: "data-path", services: ["ltfs"] },
    ]);
  });
});

describe("nextBackoffMs", () => {
  it("waits 1 s, then doubles up to 60 s while the process keeps dying soon", () => {
    const waits: number[] = [];
    let previous: number | null = null;
    for (let death = 0; death < 9; death++) {
      previous = nextBackoffMs(previous, 10_000, DEFAULT_BACKOFF);
      waits.push(previous);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it("starts from 1 s again after the process ran stably for 5 minutes", () => {
    expect(nextBackoffMs(60_000, 5 * 60_000 - 1, DEFAULT_BACKOFF)).toBe(60_000);
    expect(nextBackoffMs(60_000, 5 * 60_000, DEFAULT_BACKOFF)).toBe(1_000);
  });
});
