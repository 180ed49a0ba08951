import { describe, expect, it } from "vitest";
import { abortVerb } from "../../../cli/commands/abort.ts";
import { archiveVerb } from "../../../cli/commands/archive.ts";
import { deletableVerb, deleteableVerb } from "../../../cli/commands/deleteable.ts";
import { exploreVerb } from "../../../cli/commands/explore.ts";
import { inventoryVerb } from "../../../cli/commands/inventory.ts";
import { prepareVerb } from "../../../cli/commands/prepare.ts";
import { queueVerb } from "../../../cli/commands/queue.ts";
import { requeueVerb } from "../../../cli/commands/requeue.ts";
import { restoreVerb } from "../../../cli/commands/restore.ts";
import { summaryVerb } from "../../../cli/commands/summary.ts";
import { tapesVerb } from "../../../cli/commands/tapes.ts";
import { verifyVerb } from "../../../cli/commands/verify.ts";
import { CliUsageError } from "../../../cli/usage-error.ts";

const CWD = "/home/operator";

function usageErrorOf(parse: () => unknown): CliUsageError {
  try {
    parse();
  } catch (error) {
    if (error instanceof CliUsageError) return error;
    throw error;
  }
  throw new Error("expected a CliUsageError");
}

describe("prepare", () => {
  it("sends folder, description and compress, leaving priority to the service's default", () => {
    expect(prepareVerb.parse(["/data/projects/alpha", "Alpha final data"], CWD)).toEqual({
      json: false,
      request: { folder: "/data/projects/alpha", description: "Alpha final data", compress: false },
    });
  });

  it("takes --compress and --priority anywhere on the line", () => {
    expect(
      prepareVerb.parse(["--priority", "5", "/data/x/", "desc", "--compress"], CWD).request,
    ).toEqual({ folder: "/data/x", description: "desc", compress: true, priority: 5 });
  });

  it("refuses a relative folder and suggests the full path", () => {
    const error = usageErrorOf(() => prepareVerb.parse(["projects/x", "desc"], CWD));
    expect(error.code).toBe("CLI_USAGE");
    expect(error.message).toBe(
      "FOLDER must be a full path starting with /, e.g. /full/path/to/folder; 'projects/x' is a relative path.",
    );
    expect(error.hint).toBe(
      "Give the full path (from /home/operator that would be /home/operator/projects/x).",
    );
  });

  it("refuses . and .. parts, and drops repeated and trailing slashes", () => {
    const error = usageErrorOf(() => prepareVerb.parse(["/data/x/../etc", "desc"], CWD));
    expect(error.message).toBe(
      "FOLDER '/data/x/../etc' has '.' or '..' parts; give the folder's real full path.",
    );
    expect(error.hint).toBe(
      "Without the dots it is /data/etc (`realpath` prints a folder's real path).",
    );
    expect(prepareVerb.parse(["//data//x/", "desc"], CWD).request.folder).toBe("/data/x");
  });

  it("needs a description", () => {
    expect(usageErrorOf(() => prepareVerb.parse(["/data/x"], CWD)).message).toBe(
      "pytarchive prepare needs FOLDER and DESCRIPTION; DESCRIPTION is missing.",
    );
  });

  it("refuses a third word and suggests quoting the description", () => {
    const error = usageErrorOf(() => prepareVerb.parse(["/data/x", "Alpha", "data"], CWD));
    expect(error.message).toBe(
      "Unexpected argument 'data': pytarchive prepare takes FOLDER and DESCRIPTION.",
    );
    expect(error.hint).toContain('"my description"');
  });
});

describe("archive", () => {
  it("sends folder, tape, the name on tape and the priority", () => {
    expect(
      archiveVerb.parse(["/data/x", "AAK788L9", "-t", "x_final", "--priority", "50"], CWD),
    ).toEqual({
      json: false,
      request: { folder: "/data/x", tape: "AAK788L9", targetName: "x_final", priority: 50 },
    });
    expect(
      archiveVerb.parse(["/data/x", "AAK788L9", "--targetname=x_final", "--json"], CWD),
    ).toEqual({
      json: true,
      request: { folder: "/data/x", tape: "AAK788L9", targetName: "x_final" },
    });
  });

  it("refuses a priority that is not an integer", () => {
    for (const value of ["high", "1.5", "", "1e3"]) {
      const error = usageErrorOf(() =>
        archiveVerb.parse(["/data/x", "AAK788L9", `--priority=${value}`], CWD),
      );
      expect(error.message).toBe(`--priority must be an integer, not '${value}'.`);
      expect(error.hint).toContain("the default for archive is 100");
    }
  });

  it("accepts a negative priority written with a space, as argparse did", () => {
    expect(archiveVerb.parse(["/data/x", "AAK788L9", "--priority", "-5"], CWD).request).toEqual({
      folder: "/data/x",
      tape: "AAK788L9",
      priority: -5,
    });
  });

  it("refuses a name on tape with / or ..", () => {
    for (const name of ["a/b", "..", "."]) {
      expect(
        usageErrorOf(() => archiveVerb.parse(["/data/x", "AAK788L9", "-t", name], CWD)).message,
      ).toBe(
        `--targetname '${name}' cannot be a folder name on tape: give one name without '/', not '.' or '..'.`,
      );
    }
  });

  it("refuses a path given as the tape", () => {
    expect(usageErrorOf(() => archiveVerb.parse(["/data/x", "/dev/st0"], CWD)).message).toBe(
      "TAPE must be a tape barcode like AAK788L9, not a path ('/dev/st0').",
    );
  });
});

describe("restore", () => {
  it("sends folder, target and subfolder", () => {
    expect(restoreVerb.parse(["/data/x", "/scratch/x", "-s", "results/2024"], CWD).request).toEqual(
      { folder: "/data/x", target: "/scratch/x", subfolder: "results/2024" },
    );
  });

  it("refuses a relative target", () => {
    expect(usageErrorOf(() => restoreVerb.parse(["/data/x", "restored"], CWD)).message).toBe(
      "TARGET must be a full path starting with /, e.g. /full/path/to/folder; 'restored' is a relative path.",
    );
  });

  it("refuses a subfolder that climbs out with ..", () => {
    expect(
      usageErrorOf(() => restoreVerb.parse(["/data/x", "/scratch/x", "--subfolder", "../y"], CWD))
        .message,
    ).toBe(
      "--subfolder '../y' is not a subfolder of the archived folder: give its path inside that folder, without '..'.",
    );
  });
});

describe("explore", () => {
  it("sends tape, seconds and email", () => {
    expect(
      exploreVerb.parse(["AAK788L9", "-t", "3600", "-e", "op@example.org", "--priority", "1"], CWD)
        .request,
    ).toEqual({ tape: "AAK788L9", seconds: 3600, email: "op@example.org", priority: 1 });
    expect(exploreVerb.parse(["AAK788L9"], CWD).request).toEqual({ tape: "AAK788L9" });
  });

  it("refuses a negative, zero or fractional time", () => {
    for (const argv of [["-t", "-5"], ["--time", "0"], ["--time=1.5"], ["-t", "ten"]]) {
      const error = usageErrorOf(() => exploreVerb.parse(["AAK788L9", ...argv], CWD));
      expect(error.message).toMatch(
        /^--time must be a whole number of seconds greater than 0, not '.+'\.$/,
      );
    }
  });

  it("refuses an address without @", () => {
    expect(usageErrorOf(() => exploreVerb.parse(["AAK788L9", "-e", "operator"], CWD)).message).toBe(
      "--email 'operator' is not an e-mail address.",
    );
  });
});

describe("inventory", () => {
  it("sends no folders when none are given (the service uses source_folders)", () => {
    expect(inventoryVerb.parse([], CWD).request).toEqual({});
  });

  it("sends every folder given, and the priority", () => {
    expect(
      inventoryVerb.parse(["/data/homes", "/data/projects", "--priority", "150"], CWD).request,
    ).toEqual({ folders: ["/data/homes", "/data/projects"], priority: 150 });
  });

  it("refuses a relative folder among them", () => {
    expect(usageErrorOf(() => inventoryVerb.parse(["/data/homes", "projects"], CWD)).message).toBe(
      "FOLDER must be a full path starting with /, e.g. /full/path/to/folder; 'projects' is a relative path.",
    );
  });
});

describe("verify", () => {
  it("sends a full path or a barcode as the target", () => {
    expect(verifyVerb.parse(["/data/x"], CWD).request).toEqual({ target: "/data/x" });
    expect(verifyVerb.parse(["AAK788L9", "--priority", "7"], CWD).request).toEqual({
      target: "AAK788L9",
      priority: 7,
    });
  });

  it("takes a relative path for a path, not a barcode, and refuses it", () => {
    for (const target of ["projects/x", "./x"]) {
      expect(usageErrorOf(() => verifyVerb.parse([target], CWD)).message).toMatch(
        /^FOLDER must be a full path starting with \//,
      );
    }
  });
});

describe("read verbs", () => {
  it("send an empty request and take --json", () => {
    expect(queueVerb.parse([], CWD)).toEqual({ json: false, request: {} });
    expect(summaryVerb.parse(["--json"], CWD)).toEqual({ json: true, request: {} });
    expect(tapesVerb.parse(["--json"], CWD)).toEqual({ json: true, request: {} });
  });

  it("refuse extra arguments", () => {
    expect(usageErrorOf(() => queueVerb.parse(["all"], CWD)).message).toBe(
      "Unexpected argument 'all': pytarchive queue takes no arguments.",
    );
  });
});

describe("deleteable", () => {
  it("sends the ignore prefixes, several after one --ignore as in the original", () => {
    expect(
      deleteableVerb.parse(["--ignore", "/data/homes", "/data/scratch", "--ignore=/tmp/x"], CWD)
        .request,
    ).toEqual({ ignore: ["/data/homes", "/data/scratch", "/tmp/x"] });
    expect(deleteableVerb.parse([], CWD).request).toEqual({});
  });

  it("is also spelled deletable, with the same request", () => {
    expect(deletableVerb.verb).toBe("deleteable");
    expect(deletableVerb.parse(["--ignore", "/data/homes", "--json"], CWD)).toEqual({
      json: true,
      request: { ignore: ["/data/homes"] },
    });
  });

  it("refuses a word that does not follow --ignore, and relative prefixes", () => {
    expect(usageErrorOf(() => deleteableVerb.parse(["/data/homes"], CWD)).message).toBe(
      "Unexpected argument '/data/homes': pytarchive deleteable takes only --ignore PREFIX...",
    );
    expect(usageErrorOf(() => deleteableVerb.parse(["--ignore", "homes"], CWD)).message).toBe(
      "--ignore PREFIX must be a full path starting with /, e.g. /full/path/to/folder; 'homes' is a relative path.",
    );
  });
});

describe("requeue", () => {
  it("sends ids given apart or comma-separated, lower-cased and without repeats", () => {
    expect(requeueVerb.parse(["a1b2c3d4,DEADBEEF", "3fa2b1c0", "a1b2c3d4"], CWD).request).toEqual({
      ids: ["a1b2c3d4", "deadbeef", "3fa2b1c0"],
    });
  });

  it("sends all: true for --all", () => {
    expect(requeueVerb.parse(["--all"], CWD).request).toEqual({ all: true });
  });

  it("needs ids or --all, not both and not neither", () => {
    expect(usageErrorOf(() => requeueVerb.parse([], CWD)).message).toBe(
      "No tasks specified: give the ids of failed tasks, or --all.",
    );
    expect(usageErrorOf(() => requeueVerb.parse(["--all", "a1b2c3d4"], CWD)).message).toBe(
      "Give either task ids or --all, not both: --all already requeues every failed task.",
    );
  });

  it("refuses an id that is not 8 hex digits", () => {
    for (const id of ["a1b2c3d", "a1b2c3d4e", "zzzzzzzz"]) {
      const error = usageErrorOf(() => requeueVerb.parse([id], CWD));
      expect(error.message).toBe(
        `'${id}' is not a task id: task ids are 8 hex digits, like 3fa2b1c0.`,
      );
      expect(error.hint).toBe("`pytarchive queue` lists every task with its id in brackets.");
    }
  });
});

describe("abort", () => {
  it("sends the ids", () => {
    expect(abortVerb.parse(["3fa2b1c0", "deadbeef,0badc0de"], CWD).request).toEqual({
      ids: ["3fa2b1c0", "deadbeef", "0badc0de"],
    });
  });

  it("needs at least one id", () => {
    expect(usageErrorOf(() => abortVerb.parse([], CWD)).message).toBe(
      "No tasks specified: give the ids of the tasks to abort.",
    );
  });
});

describe("usage texts", () => {
  it("every verb's help has its usage line, its options and an example", () => {
    for (const verb of [
      prepareVerb,
      archiveVerb,
      restoreVerb,
      exploreVerb,
      inventoryVerb,
      verifyVerb,
      summaryVerb,
      deleteableVerb,
      deletableVerb,
      queueVerb,
      requeueVerb,
      abortVerb,
      tapesVerb,
    ]) {
      expect(verb.usage.startsWith(`usage: pytarchive ${verb.name} `)).toBe(true);
      expect(verb.usage).toContain("\nOptions:\n");
      expect(verb.usage).toContain("--json");
      expect(verb.usage).toMatch(new RegExp(`\\nExamples?:\\n {2}pytarchive ${verb.name}`));
    }
  });
});
