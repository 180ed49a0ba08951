/** Folder holding the bundle of every entry point, rebuilt when an input changed. */
export function bundledEntryPoints(
  name: string,
  entryPoints: Record<string, string>,
  options?: { readonly standalone?: boolean },
): string;

/** Runs a standalone CommonJS bundle from V8's code cache; `saveCodeCache()` after the work. */
export function loadStandaloneBundle(file: string): {
  exports: Record<string, unknown>;
  saveCodeCache(): void;
};
