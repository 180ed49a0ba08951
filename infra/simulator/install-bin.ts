import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { simulatorBundleDir } from "./build-tools.ts";
import type { SimulatorLayout } from "./layout.ts";

/** The executables a simulated library provides, named as the real tools. */
export const SIMULATED_TOOLS = [
  "mtx",
  "tapeinfo",
  "mkltfs",
  "ltfs",
  "ltfsck",
  "exportfs",
  "fuser",
  "lsscsi",
] as const;

export type SimulatedTool = (typeof SIMULATED_TOOLS)[number];

/** Tools that get no device argument, so their wrapper names the state folder for them. */
const TOOLS_NEEDING_STATE: ReadonlySet<SimulatedTool> = new Set(["exportfs", "fuser", "lsscsi"]);

/** Environment variable carrying the state folder to exportfs and fuser. */
export const STATE_ENV_VARIABLE = "PYTARCHIVE_SIM_STATE";

/** Absolute path of tsx's ESM loader, which lets plain `node` run the .ts entries. */
export function tsxLoaderPath(): string {
  // Vitest's module runner may not provide import.meta.resolve; require's resolver finds the
  // same file through tsx's export map.
  const resolved =
    typeof import.meta.resolve === "function"
      ? import.meta.resolve("tsx/esm")
      : createRequire(import.meta.url).resolve("tsx/esm");
  return resolved.startsWith("file:") ? fileURLToPath(resolved) : resolved;
}

/** Quotes a word for /bin/sh: inside single quotes nothing is special but the quote itself. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The `#!/bin/sh` wrapper that runs one simulated tool with the arguments it was given, from
 * the bundled build of the simulator (see build-tools.ts).
 */
export function wrapperScript(tool: SimulatedTool, stateDir: string, bundleDir: string): string {
  const lines = [
    "#!/bin/sh",
    `# Simulated ${tool} of a pytarchive-sim tape library (written by pytarchive-sim; do not edit).`,
  ];
  if (TOOLS_NEEDING_STATE.has(tool)) {
    lines.push(`${STATE_ENV_VARIABLE}=${shellQuote(stateDir)}`, `export ${STATE_ENV_VARIABLE}`);
  }
  lines.push(
    `exec ${shellQuote(process.execPath)} ${shellQuote(path.join(bundleDir, `${tool}.mjs`))} "$@"`,
  );
  return `${lines.join("\n")}\n`;
}

/** Writes `<state>/bin/<tool>` for every simulated tool (mode 0755), replacing old wrappers. */
export function installSimulatorBin(layout: SimulatorLayout): void {
  const bundleDir = simulatorBundleDir();
  fs.mkdirSync(layout.binDir, { recursive: true });
  for (const tool of SIMULATED_TOOLS) {
    const file = path.join(layout.binDir, tool);
    fs.writeFileSync(`${file}.tmp`, wrapperScript(tool, layout.stateDir, bundleDir));
    fs.chmodSync(`${file}.tmp`, 0o755);
    fs.renameSync(`${file}.tmp`, file);
  }
}
