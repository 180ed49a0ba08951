/** Folder holding `<output name>.mjs` for every entry point, rebuilt when an input changed. */
export function bundledEntryPoints(name: string, entryPoints: Record<string, string>): string;

/** Path of the standalone CommonJS bundle `<name>/main.cjs` of `entry`, rebuilt when an input changed. */
export function standaloneBundle(name: string, entry: string): Promise<string>;

/** Runs a standalone CommonJS bundle from V8's code cache; `saveCodeCache()` after the work. */
export function loadStandaloneBundle(file: string): {
  exports: Record<string, unknown>;
  saveCodeCache(): void;
};
