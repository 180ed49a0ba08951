// Run as a separate process (possibly as another user): prints measureFolder's result as JSON.
// Usage: node --import tsx print-measurement.ts FOLDER
import { measureFolder } from "../../../services/compression/engine/index.ts";

const folder = process.argv[2];
if (!folder) throw new Error("usage: print-measurement.ts FOLDER");
process.stdout.write(JSON.stringify(await measureFolder({ folder })));
