import type { LibraryState } from "../library-state.ts";

/**
 * Default width of a volume tag. The SCSI primary volume tag carries a 32-byte identifier that
 * libraries space-pad, and mtx copies it without trimming; so `AAK780L9` arrives followed by
 * 24 spaces (as in captured real outputs). Parsers must strip it.
 */
export const DEFAULT_VOLUME_TAG_WIDTH = 32;

/** A barcode as the library reports it: space-padded to the configured width. */
export function volumeTag(state: LibraryState, barcode: string): string {
  return barcode.padEnd(state.volumeTagWidth ?? DEFAULT_VOLUME_TAG_WIDTH, " ");
}
