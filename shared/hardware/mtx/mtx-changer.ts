import { runCommand } from "../../exec/index.ts";
import { MtxInvalidArgumentError } from "./errors.ts";
import type { LibraryStatus } from "./library-status.ts";
import type { MtxRequest } from "./mtx-request.ts";
import { mtxErrorFromOutput, parseMtxMoveOutputOrThrow } from "./parse-move.ts";
import { parseMtxStatus } from "./parse-status.ts";

/** The tape robot, driven through `mtx`. Drives are numbered from 0, slots from 1. */
export interface MtxChanger {
  /** `mtx -f <device> status`, parsed. */
  status(): Promise<LibraryStatus>;
  /** Moves the tape in `slot` into `drive` (`mtx -f <device> load <slot> <drive>`). */
  load(slot: number, drive: number): Promise<void>;
  /** Moves the tape in `drive` into `slot` (`mtx -f <device> unload <slot> <drive>`). */
  unload(drive: number, slot: number): Promise<void>;
  /** Moves a tape between two slots, e.g. to an import/export slot (`transfer <from> <to>`). */
  transfer(fromSlot: number, toSlot: number): Promise<void>;
}

export interface MtxChangerOptions {
  /** The mtx executable: a name found on PATH (the simulator's comes first) or a full path. */
  readonly mtxPath: string;
  /** The changer device given to `mtx -f` (`/dev/sg3`, `/dev/sch0`, the simulator's file). */
  readonly device: string;
  /** Time limit for one mtx run; the exec helper's default (10 minutes) when absent. */
  readonly timeoutMs?: number;
  /** The command runner; tests may pass another with the same contract. */
  readonly run?: typeof runCommand;
}

function checkSlot(value: number, request: MtxRequest, name = "slot"): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new MtxInvalidArgumentError(
      `${String(value)} is not a valid ${name} number: slots are whole numbers from 1.`,
      { request, argument: name, value: Number.isFinite(value) ? value : null },
    );
  }
}

function checkDrive(value: number, request: MtxRequest): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MtxInvalidArgumentError(
      `${String(value)} is not a valid drive number: drives are whole numbers from 0.`,
      { request, argument: "drive", value: Number.isFinite(value) ? value : null },
    );
  }
}

/**
 * The mtx adapter: builds each command as an argument array, runs it through the exec helper,
 * and turns a failure into the typed error of `parse-move.ts` (no caller reads mtx's stderr).
 * Numbers are checked before anything runs. mtx's argument order is `load <slot> <drive>` and
 * `unload <slot> <drive>`; the methods take them in the order of the move.
 *
 * @example
 * const changer = createMtxChanger({ mtxPath: "mtx", device: "/dev/sch0" });
 * await changer.load(7, 1); // runs: mtx -f /dev/sch0 load 7 1
 */
export function createMtxChanger(options: MtxChangerOptions): MtxChanger {
  const run = options.run ?? runCommand;
  const { mtxPath, device } = options;
  if (mtxPath.trim() === "" || device.trim() === "") {
    throw new MtxInvalidArgumentError(
      "The mtx changer needs both the mtx program and the changer device.",
      { argument: mtxPath.trim() === "" ? "mtxPath" : "device", value: null },
    );
  }
  const runOptions = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };

  async function move(args: readonly string[], request: MtxRequest): Promise<void> {
    const result = await run(mtxPath, ["-f", device, ...args], runOptions);
    parseMtxMoveOutputOrThrow(result, request);
  }

  return {
    async status() {
      const result = await run(mtxPath, ["-f", device, "status"], runOptions);
      if (result.exitCode !== 0) throw mtxErrorFromOutput(result, { operation: "status" });
      return parseMtxStatus(result.stdout);
    },

    async load(slot, drive) {
      const request: MtxRequest = { operation: "load", slot, drive };
      checkSlot(slot, request);
      checkDrive(drive, request);
      await move(["load", String(slot), String(drive)], request);
    },

    async unload(drive, slot) {
      const request: MtxRequest = { operation: "unload", drive, slot };
      checkDrive(drive, request);
      checkSlot(slot, request);
      await move(["unload", String(slot), String(drive)], request);
    },

    async transfer(fromSlot, toSlot) {
      const request: MtxRequest = { operation: "transfer", fromSlot, toSlot };
      checkSlot(fromSlot, request, "source slot");
      checkSlot(toSlot, request, "destination slot");
      await move(["transfer", String(fromSlot), String(toSlot)], request);
    },
  };
}
