import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  serviceProcessesDir,
  waitForLeftoverServiceProcesses,
} from "../../../services/launcher/leftover-service-processes.ts";
import { createLogger } from "../../../shared/logging/index.ts";

const lines: string[] = [];
const log = createLogger({
  service: "launcher",
  stream: { write: (line: string) => lines.push(line) > 0 },
});
const folders: string[] = [];

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  lines.length = 0;
});

describe("waitForLeftoverServiceProcesses", () => {
  it("waits for a killed launcher's service process, and takes a note removed meanwhile as a process gone", async () => {
    const state = mkdtempSync(path.join(tmpdir(), "pyt-leftovers-"));
    folders.push(state);
    const notes = serviceProcessesDir(state);
    // A service process still stopping: its command line names service-process.ts, as the real one's does.
    const stopping = spawn(
      process.execPath,
      ["-e", "setTimeout(() => {}, 1500)", "service-process.ts"],
      { stdio: "ignore" },
    );
    await once(stopping, "spawn");
    mkdirSync(notes, { recursive: true });
    writeFileSync(path.join(notes, "control.pid"), `${stopping.pid}\n`);
    // The other process (its note listed after the first: notes are taken in name order) ends
    // while the first is waited for, and removes its note as it exits.
    const data = path.join(notes, "data-path.pid");
    writeFileSync(data, "999999\n");
    setTimeout(() => rmSync(data, { force: true }), 300);

    const waited = await waitForLeftoverServiceProcesses(state, log, 30_000);

    expect(waited).toEqual([stopping.pid]);
    // Gone for the kernel; Node may learn of its exit a moment later.
    const [exitCode] =
      stopping.exitCode === null ? await once(stopping, "exit") : [stopping.exitCode];
    expect(exitCode).toBe(0);
    expect(lines.some((line) => line.includes('"group":"control"'))).toBe(true);
  });
});
