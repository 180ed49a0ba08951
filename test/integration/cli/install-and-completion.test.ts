import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveVerb } from "../../../cli/commands/archive.ts";
import { usageWords } from "../../../cli/completion/usage-words.ts";
import { expectExit, runCommand } from "../../../shared/exec/index.ts";
import { REPO_ROOT } from "../../harness/stack.ts";

/*
 * The README's install step, as an operator runs it: `npm link` in the checkout (here into a
 * private prefix instead of /usr/local, with an unreachable registry and --offline, so any
 * attempt to fetch fails the test), then `pytarchive` and `npx pytarchive` from elsewhere, and
 * the bash completion it prints, run in bash as the shell runs it.
 */

let home: string;
let env: NodeJS.ProcessEnv;
let script: string;

const NO_REGISTRY = { npm_config_registry: "http://127.0.0.1:9/", npm_config_offline: "true" };

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "pyt-install-"));
  const prefix = path.join(home, "prefix");
  const config = path.join(home, "pytarchive.conf");
  // Nothing runs here: barcodes cannot be asked for.
  await writeFile(config, `[Paths]\nstate_dir = ${path.join(home, "state")}\n`);
  env = {
    ...process.env,
    ...NO_REGISTRY,
    npm_config_prefix: prefix,
    npm_config_audit: "false",
    npm_config_fund: "false",
    PATH: `${path.join(prefix, "bin")}:${process.env.PATH}`,
    PYTARCHIVE_CONFIG: config,
  };
  expectExit(await runCommand("npm", ["link"], { cwd: REPO_ROOT, env, timeoutMs: 120_000 }));
  script = path.join(home, "pytarchive.bash");
  const printed = expectExit(
    await runCommand("pytarchive", ["completion", "bash"], { cwd: home, env, timeoutMs: 60_000 }),
  );
  await writeFile(script, printed.stdout);
}, 180_000);

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

/** What the completion offers for `words` (the last one being completed), run in bash. */
async function complete(words: readonly string[]): Promise<string[]> {
  const quotedWords = words.map((word) => `'${word}'`).join(" ");
  const result = await runCommand(
    "bash",
    [
      "-c",
      `source "$1"; COMP_WORDS=(${quotedWords}); COMP_CWORD=${words.length - 1}; _pytarchive; printf '%s\\n' "\${COMPREPLY[@]}"`,
      "bash",
      script,
    ],
    { cwd: home, env, timeoutMs: 30_000 },
  );
  return expectExit(result)
    .stdout.split("\n")
    .filter((line) => line !== "");
}

describe("the CLI on PATH", () => {
  it("runs as `pytarchive` and as `npx pytarchive` outside the checkout, fetching nothing", async () => {
    const direct = await runCommand("pytarchive", ["--version"], {
      cwd: home,
      env,
      timeoutMs: 60_000,
    });
    expect(expectExit(direct).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const viaNpx = await runCommand("npx", ["pytarchive", "--version"], {
      cwd: home,
      env,
      timeoutMs: 60_000,
    });
    expect(expectExit(viaNpx).stdout.trim()).toBe(direct.stdout.trim());
  }, 120_000);
});

describe("bash completion", () => {
  it("registers itself for pytarchive", async () => {
    const result = await runCommand(
      "bash",
      ["-c", 'source "$1"; complete -p pytarchive', "bash", script],
      {
        env,
        timeoutMs: 30_000,
      },
    );
    expect(expectExit(result).stdout.trim()).toBe(
      "complete -o filenames -F _pytarchive pytarchive",
    );
  });

  it("completes a verb", async () => {
    expect(await complete(["pytarchive", "arc"])).toEqual(["archive"]);
    expect(await complete(["pytarchive", "re"])).toEqual(["restore", "requeue"]);
  });

  it("completes a verb's flags", async () => {
    expect(await complete(["pytarchive", "archive", "/data/x", "--pr"])).toEqual(["--priority"]);
    expect(await complete(["pytarchive", "history", "--"])).toEqual([
      "--failed",
      "--help",
      "--json",
      "--limit",
      "--since",
    ]);
  });

  it("completes folders where a folder goes, and offers nothing after an option that takes a value", async () => {
    expect(await complete(["pytarchive", "archive", `${home}/pre`])).toEqual([`${home}/prefix`]);
    expect(await complete(["pytarchive", "archive", "-t", ""])).toEqual([]);
  });

  it("offers no barcode, and prints nothing, when pytarchive is not running", async () => {
    expect(await complete(["pytarchive", "archive", "/data/x", ""])).toEqual([]);
  });

  it("reads the verbs' words from their usage text", () => {
    expect(usageWords("archive", archiveVerb.usage)).toMatchObject({
      positionals: ["FOLDER", "TAPE"],
      flagsWithValue: ["--priority", "-t"],
    });
  });
});
