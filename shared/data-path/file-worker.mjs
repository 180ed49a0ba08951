// Starts a file worker thread. Plain JavaScript, because Node 20 gives a worker no TypeScript
// loader of its own (the parent's `--import tsx` does not reach it): tsx is registered here,
// then the worker's body is loaded.
import { register } from "tsx/esm/api";

register();
await import("./file-worker.ts");
