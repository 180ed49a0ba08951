import { describe, expect, it } from "vitest";
import {
  absolutePathOrThrow,
  barcodeOf,
  descriptionOrThrow,
  emailOrThrow,
  exploreSecondsOrThrow,
  jobIdOrThrow,
  nameOrThrow,
  newPathOrThrow,
  priorityOrThrow,
  subfolderOrThrow,
} from "../../../services/gateway/check-arguments.ts";
import { describeJob } from "../../../services/gateway/index.ts";
import type { PytarchiveError } from "../../../shared/errors/index.ts";
import { defaultTargetName } from "../../../shared/messages/index.ts";

function errorOf(work: () => unknown): PytarchiveError {
  try {
    work();
  } catch (error) {
    return error as PytarchiveError;
  }
  throw new Error("expected an error");
}

describe("defaultTargetName", () => {
  it("joins the last three parts of the path with _, as the original", () => {
    expect(defaultTargetName("/srv/projects/2021/alpha")).toBe("projects_2021_alpha");
    expect(defaultTargetName("/home/alice")).toBe("home_alice");
    expect(defaultTargetName("/alpha")).toBe("alpha");
  });
});

describe("absolutePathOrThrow", () => {
  it("drops repeated and trailing slashes", () => {
    expect(absolutePathOrThrow("/srv//projects/alpha/", "folder")).toBe("/srv/projects/alpha");
    expect(absolutePathOrThrow("/", "folder")).toBe("/");
  });

  it("refuses a relative path with PATH_NOT_ABSOLUTE and says how to get the full one", () => {
    const error = errorOf(() => absolutePathOrThrow("alpha", "folder"));
    expect(error.code).toBe("PATH_NOT_ABSOLUTE");
    expect(error.message).toBe('The folder "alpha" is not an absolute path.');
    expect(error.hint).toContain("realpath");
  });

  it("refuses . and .. parts and NUL characters", () => {
    expect(errorOf(() => absolutePathOrThrow("/srv/../etc", "folder")).code).toBe(
      "PATH_NOT_ABSOLUTE",
    );
    expect(errorOf(() => absolutePathOrThrow("/srv/./x", "folder")).code).toBe("PATH_NOT_ABSOLUTE");
    expect(errorOf(() => absolutePathOrThrow("/srv/a\0b", "folder")).code).toBe("INVALID_ARGUMENT");
  });
});

describe("nameOrThrow", () => {
  it("accepts one plain folder name", () => {
    expect(nameOrThrow("projects_2021 alpha (final)")).toBe("projects_2021 alpha (final)");
  });

  it.each([
    ["a/b", "contains /"],
    ["..", 'is ".."'],
    [".", 'is "."'],
    ["", "is empty"],
    ["a\0b", "contains a NUL character"],
    ["x".repeat(256), "is longer than 255 bytes"],
  ])("refuses %j: it %s", (name, problem) => {
    const error = errorOf(() => nameOrThrow(name));
    expect(error.code).toBe("INVALID_NAME");
    expect(error.message).toContain(problem);
  });
});

describe("subfolderOrThrow", () => {
  it("keeps a relative path inside the folder", () => {
    expect(subfolderOrThrow("2021//data/")).toBe("2021/data");
  });

  it("takes a leading / as the original did: -s /2021/data is 2021/data", () => {
    expect(subfolderOrThrow("/2021/data/")).toBe("2021/data");
  });

  it.each(["../etc", "/../etc", "a/../../b", "", "/", "./a"])(
    "refuses %j with INVALID_NAME",
    (value) => {
      expect(errorOf(() => subfolderOrThrow(value)).code).toBe("INVALID_NAME");
    },
  );
});

describe("other arguments", () => {
  it("reads barcodes in capitals", () => {
    expect(barcodeOf(" aak788l9 ")).toBe("AAK788L9");
    expect(errorOf(() => barcodeOf("   ")).message).toBe(
      '"   " is not a tape barcode (up to 32 letters and digits).',
    );
    expect(errorOf(() => barcodeOf("AAK\u001b[2J")).code).toBe("INVALID_ARGUMENT");
    expect(errorOf(() => barcodeOf("A".repeat(33))).code).toBe("INVALID_ARGUMENT");
  });

  it("bounds priorities from 0 to 1000", () => {
    expect(priorityOrThrow(0)).toBe(0);
    expect(priorityOrThrow(1000)).toBe(1000);
    expect(priorityOrThrow(undefined)).toBeUndefined();
    expect(errorOf(() => priorityOrThrow(-5)).message).toBe(
      "The priority -5 is out of range: use a whole number from 0 to 1000.",
    );
    expect(errorOf(() => priorityOrThrow(1001)).code).toBe("INVALID_ARGUMENT");
  });

  it("bounds explore's time from 1 s to the configured maximum", () => {
    expect(exploreSecondsOrThrow(1, 604_800)).toBe(1);
    expect(exploreSecondsOrThrow(604_800, 604_800)).toBe(604_800);
    expect(errorOf(() => exploreSecondsOrThrow(8_700_000_000_000, 604_800)).message).toBe(
      "The time 8700000000000 s is out of range: a tape is exported for 1 to 604800 seconds.",
    );
    expect(errorOf(() => exploreSecondsOrThrow(0, 604_800)).code).toBe("INVALID_ARGUMENT");
  });

  it("bounds paths to PATH_MAX and names to 255 bytes", () => {
    expect(errorOf(() => absolutePathOrThrow(`/${"a/".repeat(2100)}`, "folder")).message).toMatch(
      /is longer than 4096 bytes/,
    );
    expect(errorOf(() => absolutePathOrThrow(`/srv/${"é".repeat(128)}`, "folder")).message).toMatch(
      /has a part longer than 255 bytes/,
    );
  });

  it("refuses control characters in what pytarchive creates or shows", () => {
    expect(errorOf(() => newPathOrThrow("/srv/restore/a\nb", "restore target")).code).toBe(
      "INVALID_ARGUMENT",
    );
    expect(newPathOrThrow("/srv/restore/alpha", "restore target")).toBe("/srv/restore/alpha");
    expect(errorOf(() => descriptionOrThrow("two\rlines")).code).toBe("INVALID_ARGUMENT");
    expect(errorOf(() => descriptionOrThrow("x".repeat(1001))).code).toBe("INVALID_ARGUMENT");
    expect(descriptionOrThrow("Project alpha, 2019-2021")).toBe("Project alpha, 2019-2021");
  });

  it("reads task ids as queue prints them", () => {
    expect(jobIdOrThrow(" 3FA2B1C0 ")).toBe("3fa2b1c0");
    expect(errorOf(() => jobIdOrThrow("3fa2\u001bb1c0")).code).toBe("INVALID_ARGUMENT");
    expect(errorOf(() => jobIdOrThrow("x".repeat(10_000))).message.length).toBeLessThan(200);
  });

  it("accepts one mail address", () => {
    expect(emailOrThrow(" alice@example.org ")).toBe("alice@example.org");
    expect(errorOf(() => emailOrThrow("alice")).code).toBe("INVALID_ARGUMENT");
  });
});

describe("describeJob", () => {
  it("words each kind as the original's queue", () => {
    expect(describeJob("prepare", { folder: "/x", description: "d", compress: false })).toBe(
      "Preparing folder: /x",
    );
    expect(describeJob("archive", { folder: "/x", tape: "AAK788L9", targetName: "x" })).toBe(
      "Archiving folder: /x to tape AAK788L9",
    );
    expect(describeJob("restore", { folder: "/x", target: "/y" })).toBe(
      "Restoring folder: /x to /y",
    );
    expect(describeJob("explore", { tape: "AAK788L9", seconds: 600 })).toBe(
      "Exploring tape AAK788L9 for 600 s",
    );
    expect(describeJob("inventory", { folders: ["/a", "/b"] })).toBe("Inventory of /a, /b");
    expect(describeJob("verify", { target: "/x" })).toBe("Verifying folder: /x");
    expect(describeJob("verify", { target: "AAK788L9" })).toBe("Verifying tape AAK788L9");
  });
});
