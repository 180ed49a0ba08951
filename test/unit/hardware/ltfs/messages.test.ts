import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  findMessage,
  hasMessage,
  parseLtfsMessages,
  parseLtfsOutput,
} from "../../../../shared/hardware/ltfs/index.ts";
import { FIXTURES, readFixture, step } from "./ltfs-captures.ts";

describe("parseLtfsMessages", () => {
  it("reads ltfs lines with their hex thread id (03-mount-unformatted.txt)", () => {
    const run = step(
      "03-mount-unformatted.txt",
      "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/BLANK1 /tmp/ltfs-mnt",
    );
    const messages = parseLtfsMessages(run.stderr);
    expect(messages).toHaveLength(22);
    expect(messages.at(-2)).toEqual({
      id: "17168E",
      level: "E",
      threadId: "643b",
      text: "Cannot read volume: medium is not partitioned",
      line: "643b LTFS17168E Cannot read volume: medium is not partitioned.",
    });
    expect(messages.every((m) => m.threadId === "643b")).toBe(true);
  });

  it("reads mkltfs lines, which have no thread id (02-format-errors.txt)", () => {
    const run = step("02-format-errors.txt", "mkltfs -e file -d /tmp/ltfs-tapes/TAPE002");
    const messages = parseLtfsMessages(run.stderr);
    expect(messages.map((m) => m.id)).toContain("15047E");
    expect(findMessage(messages, "15047E")).toMatchObject({
      level: "E",
      threadId: null,
      text: "Medium is already formatted (0)",
    });
    expect(findMessage(messages, "15048I")?.text).toBe(
      "Need to specify -f or --force option to format this medium",
    );
  });

  it("reads HPE StoreOpen lines, which end without a period (mkltfs-success-hpe-storeopen-3.5.0-windows-no-trailing-period.txt)", () => {
    const messages = parseLtfsMessages(
      readFixture("real/ltfs/mkltfs-success-hpe-storeopen-3.5.0-windows-no-trailing-period.txt"),
    );
    expect(messages).toHaveLength(34);
    expect(findMessage(messages, "15024I")?.text).toBe("Medium formatted successfully");
    expect(findMessage(messages, "15013I")?.text).toBe(
      "Volume UUID is: aafc2655-cfcb-4de2-9c7a-b064e29f4403",
    );
    expect(findMessage(messages, "20075E")?.level).toBe("E");
  });

  it("reads six-digit thread ids and debug messages (ltfs-start-hpe-storeopen-verbose-6-hex-tid-EXCERPT.txt)", () => {
    const messages = parseLtfsMessages(
      readFixture("real/ltfs/ltfs-start-hpe-storeopen-verbose-6-hex-tid-EXCERPT.txt"),
    );
    expect(messages).toHaveLength(11);
    expect(messages.every((m) => m.threadId === "15a295")).toBe(true);
    expect(messages.at(-1)).toMatchObject({
      id: "20020D",
      level: "D",
      text: "SG_RESERVED_SIZE (max block size) now set to 131072 bytes",
    });
  });

  it("reads syslog copies (syslog-ltfs-rsoc-not-ready-to-ready-drive-dump.txt)", () => {
    const messages = parseLtfsMessages(
      readFixture("real/ltfs/syslog-ltfs-rsoc-not-ready-to-ready-drive-dump.txt"),
    );
    expect(messages.map((m) => m.id)).toEqual(["30205I", "30263I", "30262I", "39802W"]);
    expect(messages[0]).toMatchObject({ threadId: "342e", text: "RSOC (0xa3) returns -20601" });
  });

  it("keeps padding inside a message but drops the final period (mount-success-tail-tape-attributes-padded-EXCERPT.txt)", () => {
    const messages = parseLtfsMessages(
      readFixture("real/ltfs/mount-success-tail-tape-attributes-padded-EXCERPT.txt"),
    );
    const barcode = messages.find((m) => m.text.startsWith("Tape attribute: Barcode"));
    expect(barcode?.text).toBe(`Tape attribute: Barcode = KENJA0${" ".repeat(26)}`);
    expect(findMessage(messages, "11031I")?.text).toBe(
      "Volume mounted successfully. KENJA0 : Gen = 38 / (a, 5) -> (b, 779312) / 10WT034221",
    );
  });

  it("parses every message format of LTFS's own catalogues with the level its id ends in", () => {
    for (const tool of ["ltfs", "ltfsck", "mkltfs"]) {
      const text = readFixture(`real/ltfs/catalog-bin_${tool}-message-formats.txt`);
      const lines = text.split("\n").filter((line) => line !== "");
      const messages = parseLtfsMessages(text);
      expect(messages).toHaveLength(lines.length);
      for (const message of messages) expect(message.id.at(-1)).toBe(message.level);
    }
  });
});

describe("parseLtfsOutput", () => {
  const realFiles = fs
    .readdirSync(path.join(FIXTURES, "real/ltfs"))
    .filter((name) => !name.startsWith("catalog-"));

  it.each(realFiles)("finds every LTFS message in %s and keeps every other line", (file) => {
    const text = readFixture(`real/ltfs/${file}`);
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    const output = parseLtfsOutput(text);
    expect(output.messages.map((m) => m.line)).toEqual(
      lines.filter((l) => /LTFS\d{5}[EWID]\b/.test(l)),
    );
    expect(output.otherLines).toEqual(lines.filter((l) => !/LTFS\d{5}[EWID]\b/.test(l)));
    for (const message of output.messages) {
      expect(message.line).toContain(`LTFS${message.id} ${message.text}`);
      expect(message.text.endsWith(".")).toBe(false);
    }
  });

  it("keeps FUSE's complaints apart from the LTFS messages (06-mount-twice.txt)", () => {
    const run = step(
      "06-mount-twice.txt",
      "ltfs -o tape_backend=file -o devname=/tmp/ltfs-tapes/TAPE021 /tmp/ltfs-mnt-nonempty",
    );
    const output = parseLtfsOutput(run.stderr);
    expect(output.otherLines).toEqual([
      "fuse: mountpoint is not empty",
      "fuse: if you are sure this is safe, use the 'nonempty' mount option",
    ]);
    expect(output.messages.at(-1)?.id).toBe("14123W");
  });

  it("keeps mkltfs's usage text as other lines (02-format-errors.txt, serial ABC)", () => {
    const run = step("02-format-errors.txt", "mkltfs -e file -d /tmp/ltfs-tapes/TAPE004 -s ABC");
    const output = parseLtfsOutput(run.stderr);
    expect(output.messages.map((m) => m.id)).toEqual([
      "15000I",
      "15041I",
      "15042I",
      "15043I",
      "17087I",
      "17089I",
      "15029E",
      "17085I",
    ]);
    expect(output.otherLines[0]).toBe("Usage: mkltfs <options>");
    expect(output.otherLines).toContain("  -d, --device=<name>       Tape device (required)");
  });

  it("keeps the continuation lines of a message that spans lines (mkltfs-freebsd-cam-multiline-kernel-message-EXCERPT.txt)", () => {
    const output = parseLtfsOutput(
      readFixture("real/ltfs/mkltfs-freebsd-cam-multiline-kernel-message-EXCERPT.txt"),
    );
    expect(findMessage(output.messages, "17087I")?.text).toBe(
      "Kernel version: FreeBSD 13.0-RELEASE-p8 #0: Tue Mar 15 09:36:28 UTC 2022",
    );
    expect(output.otherLines).toEqual([
      "    root@amd64-builder.daemonology.net:/usr/obj/usr/src/amd64.amd64/sys/GENERIC",
      ".",
    ]);
    // The CAM backend prints its own messages without a period.
    expect(findMessage(output.messages, "31229I")?.text).toBe("Vendor ID is TANDBERG");
  });

  it("treats the device list lines as other lines (device-list-hp-ultrium5.txt)", () => {
    const output = parseLtfsOutput(readFixture("real/ltfs/device-list-hp-ultrium5.txt"));
    expect(output.messages).toHaveLength(8);
    expect(output.otherLines[0]).toBe("Tape Device list:.");
    expect(output.otherLines[1]).toMatch(/^Device Name = \/dev\/sg1 /);
  });

  it("finds no messages in version output (version-outputs-mkltfs-ltfs-ltfsck.txt)", () => {
    const output = parseLtfsOutput(readFixture("real/ltfs/version-outputs-mkltfs-ltfs-ltfsck.txt"));
    expect(output.messages).toEqual([]);
    expect(output.otherLines).toHaveLength(6);
  });
});

describe("hasMessage", () => {
  it("answers by id, for any of several ids", () => {
    const messages = parseLtfsMessages(
      readFixture("real/ltfs/mount-fail-consistency-check-run-ltfsck-tail.txt"),
    );
    expect(hasMessage(messages, "11220E")).toBe(true);
    expect(hasMessage(messages, "17168E")).toBe(false);
    expect(hasMessage(messages, "17168E", "11027E")).toBe(true);
  });
});
