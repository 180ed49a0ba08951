import fs from "node:fs/promises";
import path from "node:path";

/**
 * Creates the scratch folder when it is the default one, inside the state folder. A configured
 * one is left alone (a missing one may be an unmounted disk); packing says so when it is needed.
 */
export async function createDefaultScratchFolder(
  scratchPath: string,
  stateDir: string,
): Promise<void> {
  if (isInside(scratchPath, stateDir)) await fs.mkdir(scratchPath, { recursive: true });
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}
