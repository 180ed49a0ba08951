/** What discover knows of one drive device: whether tapeinfo found a tape ready in it. */
export interface DriveFacts {
  /** True: `Ready: yes`; false: `Ready: no`; null: tapeinfo could not tell (busy, failed). */
  readonly loaded: boolean | null;
}

/** One Data Transfer Element of `mtx status`. */
export interface ElementFacts {
  readonly index: number;
  readonly full: boolean;
}

/**
 * How a drive's element number was found: `only-drive` (one drive, one element), `loaded` or
 * `empty` (the only drive with a tape ready ↔ the only full element, or the only empty one ↔
 * the only empty element), `address-order` (a guess: the n-th drive by SCSI address is element
 * n, which most libraries do but none promises), `no-element` (more drives than elements).
 */
export type MatchBasis = "only-drive" | "loaded" | "empty" | "address-order" | "no-element";

export interface DriveMatch {
  readonly element: number | null;
  readonly basis: MatchBasis;
}

/**
 * Pairs drives (in SCSI address order) with the changer's Data Transfer Elements. lsscsi,
 * tapeinfo and `mtx status` share no serial number, so the pairing uses what they do share:
 * whether a tape is in the drive. Where that singles a drive out it is certain; elsewhere the
 * address order is assumed, and the basis says so. `elements` is null when `mtx status` failed.
 *
 * @example
 * matchDrivesToElements([{ loaded: false }, { loaded: true }], [{ index: 0, full: true }, { index: 1, full: false }])
 * // [{ element: 1, basis: "empty" }, { element: 0, basis: "loaded" }]
 */
export function matchDrivesToElements(
  drives: readonly DriveFacts[],
  elements: readonly ElementFacts[] | null,
): DriveMatch[] {
  const ordered = [...(elements ?? drives.map((_, index) => ({ index, full: false })))].sort(
    (a, b) => a.index - b.index,
  );
  const byAddress = (): DriveMatch[] =>
    drives.map((_, position) => {
      const element = ordered[position];
      return element === undefined
        ? { element: null, basis: "no-element" }
        : { element: element.index, basis: "address-order" };
    });
  if (elements === null || drives.length !== ordered.length) return byAddress();
  if (drives.length === 1)
    return [{ element: (ordered[0] as ElementFacts).index, basis: "only-drive" }];
  if (drives.some((drive) => drive.loaded === null)) return byAddress();
  const loadedDrives = drives.flatMap((drive, position) => (drive.loaded ? [position] : []));
  const fullElements = ordered.filter((element) => element.full);
  if (loadedDrives.length !== fullElements.length) return byAddress();
  const emptyDrives = drives.flatMap((drive, position) => (drive.loaded ? [] : [position]));
  const emptyElements = ordered.filter((element) => !element.full);
  const matches: DriveMatch[] = byAddress();
  const pair = (positions: number[], group: ElementFacts[], single: MatchBasis) => {
    positions.forEach((position, i) => {
      matches[position] = {
        element: (group[i] as ElementFacts).index,
        basis: positions.length === 1 ? single : "address-order",
      };
    });
  };
  pair(loadedDrives, fullElements, "loaded");
  pair(emptyDrives, emptyElements, "empty");
  return matches;
}
