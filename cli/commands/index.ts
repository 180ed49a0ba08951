import { connectToGateway, type GatewayConnector } from "../client/gateway-client.ts";
import { remoteCommand } from "../client/remote-command.ts";
import type { CliCommand } from "../command.ts";
import { abortVerb } from "./abort.ts";
import { archiveVerb } from "./archive.ts";
import { clearDriveVerb } from "./clear-drive.ts";
import { completionCommand } from "./completion.ts";
import { deletableVerb, deleteableVerb } from "./deleteable.ts";
import { exploreVerb } from "./explore.ts";
import { historyVerb } from "./history.ts";
import { importLegacyCommand } from "./import-legacy.ts";
import { importTapeVerb } from "./import-tape.ts";
import { inventoryVerb } from "./inventory.ts";
import { libraryCommand } from "./library.ts";
import { prepareVerb } from "./prepare.ts";
import { queueVerb } from "./queue.ts";
import { requeueVerb } from "./requeue.ts";
import { restoreVerb } from "./restore.ts";
import { summaryVerb } from "./summary.ts";
import { tapesVerb } from "./tapes.ts";
import { verifyVerb } from "./verify.ts";
import { watchCommand } from "./watch.ts";

/**
 * Every verb of `pytarchive`, in the order `--help` lists them, with the verbs that ask the
 * service connected through `connect` (tests pass one with a short timeout). Register a new
 * verb here.
 */
export function createCommands(connect: GatewayConnector = () => connectToGateway()): CliCommand[] {
  return [
    remoteCommand(prepareVerb, connect),
    remoteCommand(archiveVerb, connect),
    remoteCommand(restoreVerb, connect),
    remoteCommand(exploreVerb, connect),
    remoteCommand(inventoryVerb, connect),
    remoteCommand(verifyVerb, connect),
    remoteCommand(importTapeVerb, connect),
    remoteCommand(summaryVerb, connect),
    remoteCommand(deleteableVerb, connect),
    remoteCommand(deletableVerb, connect),
    remoteCommand(queueVerb, connect),
    remoteCommand(historyVerb, connect),
    watchCommand(connect),
    remoteCommand(requeueVerb, connect),
    remoteCommand(abortVerb, connect),
    remoteCommand(tapesVerb, connect),
    remoteCommand(clearDriveVerb, connect),
    importLegacyCommand(connect),
    libraryCommand(connect),
    completionCommand(() => COMMANDS),
  ];
}

/** Every verb of `pytarchive`, as `main` runs them. */
export const COMMANDS: readonly CliCommand[] = createCommands();
