/** What each step of a job does, in an operator's words, for failure mails and chat posts. */
const STEP_WORDS: Readonly<Record<string, string>> = {
  start: "starting the job",
  clear: "checking that the drive is free",
  load: "loading the tape into the drive",
  mount: "mounting the tape with LTFS",
  write: "writing the folder to the tape",
  remount: "mounting the tape read-only to read it back",
  verify: "reading the folder back and comparing checksums",
  check: "reading the folders back and comparing checksums",
  restore: "restoring the folder from the tape",
  export: "exporting the tape over NFS",
  unmount: "unmounting the tape (LTFS writing its index)",
  cycle: "mounting and unmounting the tape after the drive refused to unload it",
  unload: "moving the tape back to its slot",
  prepare: "measuring and packing the folder",
  report: "measuring the source folders",
};

/**
 * `mount (mounting the tape with LTFS)`; a step this version does not know is named as it is.
 *
 * @example describeStep("unload") // "unload (moving the tape back to its slot)"
 */
export function describeStep(step: string): string {
  const words = Object.hasOwn(STEP_WORDS, step) ? STEP_WORDS[step] : undefined;
  return words === undefined ? step : `${step} (${words})`;
}
