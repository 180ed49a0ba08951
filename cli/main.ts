import { parseArgs } from "node:util";
import { PYTARCHIVE_VERSION } from "../shared/version.ts";
import { type CliCommand, type CliIo, processIo } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { EXIT_USAGE, reportError } from "./report-error.ts";
import { CliUsageError } from "./usage-error.ts";

function programHelp(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const list = commands
    .map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`)
    .join("\n");
  return `usage: pytarchive <command> [options]

Archives finished project folders to LTO tape with LTFS, and restores them.

Commands:
${list}

Options:
  -h, --help     show this help (after a command: that command's help)
  --version      print the version

Run \`pytarchive <command> --help\` for a command's options.
`;
}

/** True when -h/--help appears among the options (not after `--`, not as an option's value). */
function wantsHelp(argv: readonly string[]): boolean {
  const { tokens } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  return tokens.some(
    (token) => token.kind === "option" && (token.name === "help" || token.name === "h"),
  );
}

function unknownCommand(name: string, commands: readonly CliCommand[]): CliUsageError {
  return new CliUsageError(
    null,
    `Unknown command '${name}'. Commands: ${commands.map((command) => command.name).join(", ")}.`,
  );
}

/**
 * The `pytarchive` program: dispatches `argv[0]` to its verb and resolves to the exit code
 * (0 ok, 1 failed, 2 bad usage). Never throws; errors are printed on `io.stderr`.
 *
 * @example process.exitCode = await main(process.argv.slice(2));
 */
export async function main(
  argv: readonly string[],
  io: CliIo = processIo,
  commands: readonly CliCommand[] = COMMANDS,
): Promise<number> {
  const [verb, ...rest] = argv;
  try {
    if (verb === undefined) {
      io.stderr(programHelp(commands));
      return EXIT_USAGE;
    }
    if (verb === "--help" || verb === "-h") {
      io.stdout(programHelp(commands));
      return 0;
    }
    if (verb === "--version") {
      io.stdout(`${PYTARCHIVE_VERSION}\n`);
      return 0;
    }
    if (verb === "help") {
      const topic = rest[0];
      if (topic === undefined) {
        io.stdout(programHelp(commands));
        return 0;
      }
      const command = commands.find((candidate) => candidate.name === topic);
      if (!command) throw unknownCommand(topic, commands);
      io.stdout(command.usage);
      return 0;
    }
    if (verb.startsWith("-")) {
      throw new CliUsageError(null, `Unknown option '${verb}': options go after the command.`);
    }
    const command = commands.find((candidate) => candidate.name === verb);
    if (!command) throw unknownCommand(verb, commands);
    if (wantsHelp(rest)) {
      io.stdout(command.usage);
      return 0;
    }
    try {
      return await command.run(rest, io);
    } catch (error) {
      return reportError(error, io, command.name);
    }
  } catch (error) {
    return reportError(error, io, null);
  }
}
