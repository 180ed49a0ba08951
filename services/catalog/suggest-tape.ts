/** What the suggestion needs to know of a tape. */
export interface TapeRoom {
  readonly barcode: string;
  /** KiB already taken (archived, plus what queued archive jobs will write). */
  readonly usedKiB: number;
  readonly capacityKiB: number;
}

/**
 * The fullest tape where a folder of `sizeKiB` still fits (used + size <= capacity), as the
 * original's summary suggests; ties go to the first barcode. Null when it fits nowhere.
 *
 * @example
 * suggestTape([{ barcode: "A", usedKiB: 10, capacityKiB: 100 }, { barcode: "B", usedKiB: 60, capacityKiB: 100 }], 30); // "B"
 * suggestTape([{ barcode: "A", usedKiB: 90, capacityKiB: 100 }], 30); // null
 */
export function suggestTape(tapes: readonly TapeRoom[], sizeKiB: number): string | null {
  let best: TapeRoom | null = null;
  for (const tape of tapes) {
    if (tape.usedKiB + sizeKiB > tape.capacityKiB) continue;
    if (
      best === null ||
      tape.usedKiB > best.usedKiB ||
      (tape.usedKiB === best.usedKiB && tape.barcode < best.barcode)
    ) {
      best = tape;
    }
  }
  return best?.barcode ?? null;
}
