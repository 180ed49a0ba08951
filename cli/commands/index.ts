import type { CliCommand } from "../command.ts";
import { libraryCommand } from "./library.ts";

/** Every verb of `pytarchive`, in the order `--help` lists them. Register a new verb here. */
export const COMMANDS: readonly CliCommand[] = [libraryCommand];
