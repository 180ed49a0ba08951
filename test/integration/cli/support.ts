import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NatsConnection } from "@nats-io/nats-core";
import { type Service, Svcm } from "@nats-io/services";
import type { CliCommand, CliIo } from "../../../cli/command.ts";
import { main } from "../../../cli/main.ts";
import { CONFIG_ENV } from "../../../shared/config/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";
import { COMMAND_VERBS, COMMANDS, type CommandVerb } from "../../../shared/messages/commands.ts";
import { subjects } from "../../../shared/messages/index.ts";
import { respondWithError } from "../../../shared/nats/index.ts";

/** What the stub gateway received: the verb and the JSON body, already checked against the contract. */
export interface ReceivedRequest {
  readonly verb: CommandVerb;
  readonly body: unknown;
}

/** Answers one request: a reply body, or an Error to send back through respondWithError. */
export type StubHandler = (body: unknown) => unknown;

export interface StubGateway {
  /** Every request received, in order. */
  readonly received: ReceivedRequest[];
  /** Sets (or replaces) how `verb` is answered. */
  answer(verb: CommandVerb, handler: StubHandler): void;
  /** Makes `verb` never answer (to test the CLI's timeout). */
  ignore(verb: CommandVerb): void;
  /** Forgets what was received and every answer. */
  reset(): void;
  stop(): Promise<void>;
}

/**
 * A stand-in for the gateway: a @nats-io/services micro-service with one endpoint per verb on
 * `pyt.<lib>.cmd.<verb>`, as the real one. Each request body is validated against the command
 * contract (a body that does not fit is answered with the schema error, so the test sees it),
 * recorded, and answered by the handler the test set; a verb without handler answers INTERNAL_ERROR ("no answer for <verb>").
 */
export async function startStubGateway(
  nc: NatsConnection,
  libraryId: string,
): Promise<StubGateway> {
  const received: ReceivedRequest[] = [];
  const handlers = new Map<CommandVerb, StubHandler | "ignore">();
  const service: Service = await new Svcm(nc).add({
    name: "pytarchive-gateway-stub",
    version: "0.0.1",
  });
  const librarySubjects = subjects(libraryId);
  for (const verb of COMMAND_VERBS) {
    service.addEndpoint(verb, {
      subject: librarySubjects.command(verb),
      handler: (_error, msg) => {
        let body: unknown;
        try {
          body = COMMANDS[verb].request.decode(msg.data);
        } catch (error) {
          received.push({ verb, body: msg.string() });
          respondWithError(msg, error);
          return;
        }
        received.push({ verb, body });
        const handler = handlers.get(verb);
        if (handler === "ignore") return;
        if (handler === undefined) {
          respondWithError(
            msg,
            new PytarchiveError("INTERNAL_ERROR", `The stub gateway has no answer for ${verb}.`),
          );
          return;
        }
        try {
          const reply = handler(body);
          if (reply instanceof Error) respondWithError(msg, reply);
          else msg.respond(JSON.stringify(reply));
        } catch (error) {
          respondWithError(msg, error);
        }
      },
    });
  }
  return {
    received,
    answer: (verb, handler) => handlers.set(verb, handler),
    ignore: (verb) => handlers.set(verb, "ignore"),
    reset: () => {
      received.length = 0;
      handlers.clear();
    },
    stop: () => service.stop().then(() => undefined),
  };
}

/** Writes a pytarchive.conf into a new temporary folder; returns its path and the folder. */
export function writeTestConfig(lines: readonly string[]): { file: string; folder: string } {
  const folder = mkdtempSync(join(tmpdir(), "pyt-cli-test-"));
  const file = join(folder, "pytarchive.conf");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return { file, folder };
}

export interface CliResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `pytarchive ...argv` in this process through `main`, as bin/pytarchive.mjs does. */
export async function runInProcess(
  argv: readonly string[],
  options: { cwd?: string; commands?: readonly CliCommand[] } = {},
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    cwd: options.cwd ?? "/home/operator",
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  };
  const exitCode = options.commands ? await main(argv, io, options.commands) : await main(argv, io);
  return { exitCode, stdout, stderr };
}

const BIN = fileURLToPath(new URL("../../../bin/pytarchive.mjs", import.meta.url));

/** Runs `node bin/pytarchive.mjs ...argv` as a separate process with `env` added. */
export function runSpawned(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = tmpdir(),
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

/** Environment variables that would override the test's configuration file. */
export const CONFIG_OVERRIDES: readonly string[] = Object.values(CONFIG_ENV);

/**
 * Points this process's configuration at `file` (the in-process CLI reads $PYTARCHIVE_CONFIG like
 * the real one) and returns a function that restores the environment.
 */
export function useConfigFile(file: string): () => void {
  const saved = new Map(CONFIG_OVERRIDES.map((name) => [name, process.env[name]]));
  for (const name of CONFIG_OVERRIDES) delete process.env[name];
  process.env.PYTARCHIVE_CONFIG = file;
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
