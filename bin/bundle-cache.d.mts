/** Folder holding `<output name>.mjs` for every entry point, rebuilt when an input changed. */
export function bundledEntryPoints(name: string, entryPoints: Record<string, string>): string;
