// A file worker that dies the way a thread can (an uncaught error) while it runs a task naming a
// file whose name holds "crash-me"; otherwise it is the real worker, loaded first.
import { parentPort } from "node:worker_threads";

await import("../../shared/data-path/file-worker.mjs");
parentPort?.on("message", (message) => {
  if (JSON.stringify(message.task).includes("crash-me")) {
    throw new Error("the worker met a task it was made to fail on");
  }
});
