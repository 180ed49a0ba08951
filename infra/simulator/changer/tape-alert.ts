/**
 * TapeAlert texts as tapeinfo (mtx 1.3.12) prints them: `TapeAlert[n]: <text>.` with the
 * texts right-aligned on their colon, misspellings included ("neads"). Flags not listed here
 * print as "Undefined".
 */
const TAPE_ALERT_TEXTS: ReadonlyMap<number, string> = new Map([
  [1, "         Read: Having problems reading (slowing down)"],
  [2, "        Write: Having problems writing (losing capacity)"],
  [3, "   Hard Error: Uncorrectable read/write error"],
  [4, "        Media: Media Performance Degraded, Data Is At Risk"],
  [5, " Read Failure: Tape faulty or tape drive broken"],
  [6, "Write Failure: Tape faulty or tape drive broken"],
  [7, "   Media Life: The tape has reached the end of its useful life"],
  [8, "Not Data Grade:Replace cartridge with one  containing data grade tape"],
  [9, "Write Protect: Attempted to write to a write-protected cartridge"],
  [10, "   No Removal: Cannot unload, initiator is preventing media removal"],
  [11, "Cleaning Media:Cannot back up or restore to a cleaning cartridge"],
  [12, "   Bad Format: The loaded tape contains data in an unsupported format"],
  [13, " Snapped Tape: The data cartridge contains a broken tape"],
  [20, "    Clean Now: The tape drive neads cleaning NOW"],
  [21, "Clean Periodic:The tape drive needs to be cleaned at next opportunity"],
  [
    22,
    "Cleaning Media:Cannot clean because cleaning cartridge used up, insert new cleaning cartridge to clean the drive",
  ],
  [30, "   Hardware A: Tape drive has a problem not read/write related"],
  [31, "   Hardware B: Tape drive has a problem not read/write related"],
  [32, "    Interface: Problem with SCSI interface between tape drive and initiator"],
  [33, "  Eject Media: The current operation has failed. Eject and reload media"],
  [34, "Download Fail: Attempt to download new firmware failed"],
  [40, "Loader Hardware A: Changer having problems communicating with tape drive"],
  [41, "Loader Stray Tape: Stray tape left in drive from prior error"],
  [42, "Loader Hardware B: Autoloader mechanism has a fault"],
  [43, "  Loader Door: Loader door is open, please close it"],
]);

/** Highest flag tapeinfo reports (its table ends at 0x40). */
export const MAX_TAPE_ALERT_FLAG = 0x40;

/** The `TapeAlert[n]: …` lines for the raised flags, in flag order, each flag once. */
export function formatTapeAlerts(flags: readonly number[]): string {
  const raised = [...new Set(flags)]
    .filter((flag) => Number.isInteger(flag) && flag >= 1 && flag <= MAX_TAPE_ALERT_FLAG)
    .sort((a, b) => a - b);
  return raised
    .map((flag) => `TapeAlert[${flag}]: ${TAPE_ALERT_TEXTS.get(flag) ?? "Undefined"}.\n`)
    .join("");
}
