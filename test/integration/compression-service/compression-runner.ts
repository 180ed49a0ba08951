/**
 * The compression service alone in a process of its own, as a test can kill it:
 *   node --import tsx compression-runner.ts CONFIG_FILE
 * Short ack wait and frequent progress, so that a killed run is redelivered within seconds.
 */
import { createCompressionService } from "../../../services/compression/index.ts";
import { runServices } from "../../../services/runner/index.ts";
import { loadConfig } from "../../../shared/config/index.ts";
import { COMPRESSION_TEST_OPTIONS } from "./support.ts";

const configFile = process.argv[2];
if (configFile === undefined) throw new Error("usage: compression-runner.ts CONFIG_FILE");
const running = await runServices({
  services: [createCompressionService(COMPRESSION_TEST_OPTIONS)],
  config: loadConfig({ path: configFile, env: {} }),
});
await running.stopped;
