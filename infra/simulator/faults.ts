import fs from "node:fs";
import { simulatorLayout } from "./layout.ts";

/**
 * Faults of real hardware, injected on demand. `<state>/faults.json` holds a list; each tool
 * asks `takeFault` before it acts, and a matching fault is consumed (`times` counts down;
 * `times: null` means "every time until cleared").
 */
export type Fault =
  /** mtx load/unload/transfer fails with this Request Sense (e.g. 53/03: medium removal prevented). */
  | {
      kind: "sense";
      tool: "mtx";
      operation: "load" | "unload" | "transfer" | "status";
      senseKey: string;
      asc: number;
      ascq: number;
      times: number | null;
    }
  /** The drive reports not ready (tapeinfo, mkltfs, ltfs). */
  | {
      kind: "not-ready";
      tool: "tapeinfo" | "mkltfs" | "ltfs";
      driveIndex: number | null;
      times: number | null;
    }
  /** `ltfs` cannot mount the tape (a generic device error). */
  | { kind: "mount-failure"; tool: "ltfs"; driveIndex: number | null; times: number | null }
  /** The changer device is held by another process (EBUSY on open). */
  | {
      kind: "device-busy";
      tool: "mtx";
      operation: "load" | "unload" | "transfer" | "status";
      times: number | null;
    };

export interface FaultQuery {
  readonly tool: Fault["tool"];
  /** Only faults of this kind (a tool may check for several kinds at different moments). */
  readonly kind?: Fault["kind"];
  readonly operation?: string;
  readonly driveIndex?: number;
}

export function readFaults(stateDir: string): Fault[] {
  const file = simulatorLayout(stateDir).faultsFile;
  if (!fs.existsSync(file)) return [];
  return JSON.parse(fs.readFileSync(file, "utf8")) as Fault[];
}

export function writeFaults(stateDir: string, faults: readonly Fault[]): void {
  const file = simulatorLayout(stateDir).faultsFile;
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(faults, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

export function injectFault(stateDir: string, fault: Fault): void {
  writeFaults(stateDir, [...readFaults(stateDir), fault]);
}

export function clearFaults(stateDir: string): void {
  writeFaults(stateDir, []);
}

function matches(fault: Fault, query: FaultQuery): boolean {
  if (fault.tool !== query.tool) return false;
  if (query.kind !== undefined && fault.kind !== query.kind) return false;
  if (
    "operation" in fault &&
    query.operation !== undefined &&
    fault.operation !== query.operation
  ) {
    return false;
  }
  if ("driveIndex" in fault && fault.driveIndex !== null && query.driveIndex !== undefined) {
    return fault.driveIndex === query.driveIndex;
  }
  return true;
}

/** The first fault matching the query, consumed once; null when none is waiting. */
export function takeFault(stateDir: string, query: FaultQuery): Fault | null {
  const faults = readFaults(stateDir);
  const index = faults.findIndex((fault) => matches(fault, query));
  if (index < 0) return null;
  const fault = faults[index] as Fault;
  if (fault.times !== null) {
    const left = fault.times - 1;
    if (left <= 0) faults.splice(index, 1);
    else faults[index] = { ...fault, times: left };
    writeFaults(stateDir, faults);
  }
  return fault;
}
