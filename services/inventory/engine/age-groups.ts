export const AGE_GROUP_IDS = [
  "older-than-2-years",
  "older-than-1-year",
  "older-than-6-months",
  "recent",
] as const;

export type AgeGroupId = (typeof AGE_GROUP_IDS)[number];

export interface AgeGroupDefinition {
  readonly id: AgeGroupId;
  /** As the report prints it: "older than 2 years". */
  readonly label: string;
  /** A subfolder belongs here when its age is more than this many days; null: any age. */
  readonly olderThanDays: number | null;
}

export const DAY_MS = 86_400_000;

/**
 * The groups of the report, oldest first; a subfolder goes into the first that fits. (The
 * original compared the 1-year group with the 2-year limit by mistake; each group has its own.)
 */
export const AGE_GROUPS: readonly AgeGroupDefinition[] = [
  { id: "older-than-2-years", label: "older than 2 years", olderThanDays: 730 },
  { id: "older-than-1-year", label: "older than 1 year", olderThanDays: 365 },
  { id: "older-than-6-months", label: "older than 6 months", olderThanDays: 182 },
  { id: "recent", label: "recently changed", olderThanDays: null },
];

/**
 * The group of a subfolder whose last change was `ageMs` ago.
 *
 * @example ageGroupOf(731 * DAY_MS) // "older-than-2-years"
 */
export function ageGroupOf(ageMs: number): AgeGroupId {
  const group = AGE_GROUPS.find(
    ({ olderThanDays }) => olderThanDays === null || ageMs > olderThanDays * DAY_MS,
  );
  return group?.id ?? "recent";
}
