#!/usr/bin/env node
// The `pytarchive-sim` command: create, inspect and break a simulated tape library.
import { register } from "tsx/esm/api";

register();
const { runSimCli } = await import("../infra/simulator/sim-cli.ts");
const { processIO } = await import("../infra/simulator/changer/tool-io.ts");
process.exitCode = await runSimCli(process.argv.slice(2), processIO);
