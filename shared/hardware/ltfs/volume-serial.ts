import { InvalidVolumeSerialError } from "./errors.ts";

/** mkltfs accepts exactly six digits or capital letters (LTFS15029E, LTFS15030E). */
const VOLUME_SERIAL = /^[0-9A-Z]{6}$/;

/**
 * Whether mkltfs will accept this volume serial.
 *
 * @example
 * isValidVolumeSerial("AAK788") // true
 * isValidVolumeSerial("abc123") // false: lower-case letters
 */
export function isValidVolumeSerial(serial: string): boolean {
  return VOLUME_SERIAL.test(serial);
}

/** Returns the serial unchanged, or throws InvalidVolumeSerialError. */
export function volumeSerialOrThrow(serial: string): string {
  if (!isValidVolumeSerial(serial)) throw new InvalidVolumeSerialError(serial);
  return serial;
}

/**
 * The volume serial for a tape: the first six characters of its barcode, which for LTO
 * (L5–L9, LA) and M8 cartridges drop the two-character media suffix. Barcode padding is ignored.
 *
 * @example
 * volumeSerialFromBarcode("AAK788L9") // "AAK788"
 * volumeSerialFromBarcode("ABC123M8") // "ABC123"
 */
export function volumeSerialFromBarcode(barcode: string): string {
  return volumeSerialOrThrow(barcode.trim().slice(0, 6));
}
