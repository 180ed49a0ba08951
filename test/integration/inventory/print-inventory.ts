// Run as a separate process (possibly as another user): prints takeInventory's report as JSON.
// Usage: node --import tsx print-inventory.ts FOLDER...
import { takeInventory } from "../../../services/inventory/engine/index.ts";

const folders = process.argv.slice(2);
if (folders.length === 0) throw new Error("usage: print-inventory.ts FOLDER...");
process.stdout.write(JSON.stringify(await takeInventory({ folders, timeoutMs: 10_000 })));
