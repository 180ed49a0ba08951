/**
 * Raw SCSI element addresses of the simulated library. mtx numbers drives from 0 and slots
 * from 1, but MOVE MEDIUM errors name the library's own addresses; real libraries use ranges
 * such as drives 256+ and slots 4096+. The simulator uses drives 500+n and slots 1000+n
 * (import/export slots included, since mtx numbers them after the storage slots).
 */
export const DRIVE_ADDRESS_BASE = 500;
export const SLOT_ADDRESS_BASE = 1000;

export function driveElementAddress(driveIndex: number): number {
  return DRIVE_ADDRESS_BASE + driveIndex;
}

export function slotElementAddress(slotNumber: number): number {
  return SLOT_ADDRESS_BASE + slotNumber;
}
