// The ES module side of record-loaded-modules.mjs (module hooks run in a thread of their own).
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.PYTARCHIVE_MODULE_LOG, `esm ${resolved.url}\n`);
  return resolved;
}
