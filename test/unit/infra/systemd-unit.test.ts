import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stopBudgetMs } from "../../../services/launcher/stop-budget.ts";
import { SERVICE_REGISTRY } from "../../../services/runner/registry.ts";
import { runCommand } from "../../../shared/exec/index.ts";
import { REPO_ROOT } from "../../harness/stack.ts";

const UNIT = path.join(REPO_ROOT, "infra/systemd/pytarchive.service");

describe("the systemd unit", () => {
  it("is a unit systemd accepts", async () => {
    const result = await runCommand("systemd-analyze", ["verify", UNIT]);
    expect(result.stderr.trim()).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("starts what `npm start` starts, stops with SIGTERM and restarts after a failure", () => {
    const text = readFileSync(UNIT, "utf8");
    const start = /^ExecStart=\/usr\/bin\/node --import tsx (\S+)$/m.exec(text)?.[1];
    expect(start).toBe("services/launcher/main.ts");
    expect(existsSync(path.join(REPO_ROOT, start ?? ""))).toBe(true);
    const npmStart = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts
      .start as string;
    expect(npmStart).toContain(start);
    expect(text).toMatch(/^KillSignal=SIGTERM$/m);
    expect(text).toMatch(/^Restart=on-failure$/m);
  });

  it("sends SIGTERM to the launcher alone and waits long enough for LTFS to write a tape's index", () => {
    const text = readFileSync(UNIT, "utf8");
    // mixed: nats-server and LTFS are stopped by the launcher, in order, not by systemd at once.
    expect(text).toMatch(/^KillMode=mixed$/m);
    const timeout = /^TimeoutStopSec=(\d+)min$/m.exec(text)?.[1];
    // The ltfs service's stop waits up to 30 min for an unmount, plus 5 min for running steps.
    expect(Number(timeout)).toBeGreaterThanOrEqual(35);
  });

  it("waits for the whole stop: every service's stop and drain one after the other, then nats-server", () => {
    const text = readFileSync(UNIT, "utf8");
    const minutes = Number(/^TimeoutStopSec=(\d+)min$/m.exec(text)?.[1]);
    // The ltfs service's 35 min alone are not enough: those stopped before it come first.
    expect(stopBudgetMs(SERVICE_REGISTRY)).toBeGreaterThan(36 * 60_000);
    // The most processes (`[Services] processes = each`): each also needs its time to exit.
    const each = stopBudgetMs(SERVICE_REGISTRY, SERVICE_REGISTRY.length);
    expect(each).toBeGreaterThan(stopBudgetMs(SERVICE_REGISTRY));
    expect(minutes * 60_000).toBeGreaterThanOrEqual(each);
  });
});
