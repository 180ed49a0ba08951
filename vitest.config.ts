import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two files at a time even on a 2-core machine (Vitest's default there is one): most of an
    // end-to-end file's time is spent waiting on its own processes (nats-server, LTFS, restarts),
    // and every test keeps to its own ports, folders, simulated library and database.
    maxWorkers: 2,
  },
});
