import type { PytarchiveConfig } from "../../shared/config/index.ts";
import { PytarchiveError } from "../../shared/errors/index.ts";
import { embeddedClientFile, readEmbeddedClientSettings } from "../../shared/nats/index.ts";
import { START_HINT } from "./start-hint.ts";

/** Where the CLI finds the gateway, and where that was learnt (for error messages). */
export interface GatewayAddress {
  readonly url: string;
  readonly credentialsFile: string | null;
  readonly libraryId: string;
  /**
   * `config`: `[NATS] url` of the configuration (or $PYTARCHIVE_NATS_URL);
   * `embedded`: the client file that `npm start` wrote in the state folder.
   */
  readonly source:
    | { readonly kind: "config"; readonly file: string | null }
    | { readonly kind: "embedded"; readonly file: string; readonly launcherPid: number };
}

/**
 * The NATS server and library to ask: `[NATS] url`, `credentials_file` and `library_id` of the
 * configuration when a URL is set; otherwise what `npm start` wrote to `<state_dir>/client.json`.
 * Throws PYTARCHIVE_NOT_RUNNING when neither exists.
 *
 * @example
 * const address = discoverGateway(loadConfig());
 * const nc = await connectNats({ url: address.url, credentialsFile: address.credentialsFile, name: "pytarchive-cli", reconnect: false });
 */
export function discoverGateway(config: PytarchiveConfig): GatewayAddress {
  if (config.nats.url !== null) {
    return {
      url: config.nats.url,
      credentialsFile: config.nats.credentialsFile,
      libraryId: config.nats.libraryId,
      source: { kind: "config", file: config.source },
    };
  }
  const embedded = readEmbeddedClientSettings(config.paths.stateDir);
  if (embedded === null) {
    throw new PytarchiveError(
      "PYTARCHIVE_NOT_RUNNING",
      `pytarchive is not running on this machine: no NATS URL is configured, and ${embeddedClientFile(config.paths.stateDir)} (written by \`npm start\`) does not exist.`,
      {
        hint: `${START_HINT} If it was started with another state folder, say the same here: \`export PYTARCHIVE_STATE_DIR=<that folder>\`, or set \`[Paths] state_dir\` in ${config.source ?? "/etc/pytarchive/pytarchive.conf"}, which pytarchive and the CLI both read. If pytarchive runs on another machine, set \`[NATS] url\` there (or $PYTARCHIVE_NATS_URL).`,
      },
    );
  }
  return {
    url: embedded.natsUrl,
    credentialsFile: embedded.credentialsFile,
    libraryId: embedded.libraryId,
    source: {
      kind: "embedded",
      file: embeddedClientFile(config.paths.stateDir),
      launcherPid: embedded.launcherPid,
    },
  };
}
