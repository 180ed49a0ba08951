import { describe, expect, it } from "vitest";
import { defaultConfig, parseConfig } from "../../../shared/config/index.ts";
import { PytarchiveError } from "../../../shared/errors/index.ts";

const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfig(text, "test.conf", env);

describe("[Device] simulate", () => {
  it("is off unless asked for: no file, an empty file, the original's [Device] lines", () => {
    expect(defaultConfig({}).device.simulate).toBe(false);
    expect(parse("").device.simulate).toBe(false);
    expect(
      parse("[Device]\nlibrary = /dev/sch0\ndrive_serial = 10WT012345\n").device.simulate,
    ).toBe(false);
  });

  it("reads yes/no in the usual spellings", () => {
    for (const yes of ["yes", "Yes", "true", "on", "1"]) {
      expect(parse(`[Device]\nsimulate = ${yes}\n`).device.simulate).toBe(true);
    }
    for (const no of ["no", "false", "off", "0"]) {
      expect(parse(`[Device]\nsimulate = ${no}\n`).device.simulate).toBe(false);
    }
  });

  it("is overridden by PYTARCHIVE_SIMULATE, both ways; an empty variable counts as unset", () => {
    expect(parse("", { PYTARCHIVE_SIMULATE: "yes" }).device.simulate).toBe(true);
    expect(parse("[Device]\nsimulate = yes\n", { PYTARCHIVE_SIMULATE: "no" }).device.simulate).toBe(
      false,
    );
    expect(parse("[Device]\nsimulate = yes\n", { PYTARCHIVE_SIMULATE: "" }).device.simulate).toBe(
      true,
    );
  });

  it("refuses anything else, naming the file, the key and the value", () => {
    let error: unknown;
    try {
      parse("[Device]\nsimulate = maybe\n");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PytarchiveError);
    expect((error as PytarchiveError).code).toBe("CONFIG_INVALID");
    expect((error as PytarchiveError).message).toBe(
      'test.conf: [Device] simulate = "maybe": expected true or false (also yes/no, on/off, 1/0)',
    );
  });

  it("is a [Device] key only", () => {
    expect(() => parse("[General]\nsimulate = yes\n")).toThrow(/belongs in \[Device\]/);
  });
});
