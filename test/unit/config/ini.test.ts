import { describe, expect, it } from "vitest";
import { lookupIniValue, parseIni } from "../../../shared/config/index.ts";
import { errorFrom } from "./config-test-helpers.ts";

const value = (text: string, section: string, key: string): string | undefined =>
  lookupIniValue(parseIni(text, "test.conf"), section, key)?.value;

describe("parseIni (configparser semantics)", () => {
  it("reads key = value and key: value, trimming whitespace and lower-casing keys", () => {
    const text = "[General]\n  Tape_Max_Size   =   42  \nscratch_path: /tmp\n";
    expect(value(text, "General", "tape_max_size")).toBe("42");
    expect(value(text, "General", "scratch_path")).toBe("/tmp");
  });

  it("splits at the first delimiter, so values may hold = and :", () => {
    const text = "[NATS]\nurl = nats://host:4222\n[Export]\nsettings: ro,fsid=1\n";
    expect(value(text, "NATS", "url")).toBe("nats://host:4222");
    expect(value(text, "Export", "settings")).toBe("ro,fsid=1");
  });

  it("skips full-line # and ; comments, also when indented", () => {
    const doc = parseIni("# top\n[General]\n; note\n   # indented\nscratch_path = /tmp\n", "f");
    expect([...(doc.sections.get("General")?.entries.keys() ?? [])]).toEqual(["scratch_path"]);
  });

  it("cuts an inline # or ; comment only when whitespace precedes it", () => {
    const text =
      "[A]\na = /tmp # comment\nb = x ; comment\nc = ro,fsid=1#1\nd = a;b\ne = v\t# tab\n";
    expect(value(text, "A", "a")).toBe("/tmp");
    expect(value(text, "A", "b")).toBe("x");
    expect(value(text, "A", "c")).toBe("ro,fsid=1#1");
    expect(value(text, "A", "d")).toBe("a;b");
    expect(value(text, "A", "e")).toBe("v");
  });

  it("joins indented continuation lines with newlines, keeping inner empty lines", () => {
    const text = "[General]\nsource_folders = /a,\n    /b\n\n    /c\n\nscratch_path = /tmp\n";
    expect(value(text, "General", "source_folders")).toBe("/a,\n/b\n\n/c");
    expect(value(text, "General", "scratch_path")).toBe("/tmp");
  });

  it("drops comment lines inside a continued value and trailing empty lines", () => {
    const text = "[A]\nk = one\n  # not part of the value\n  two\n\n\n";
    expect(value(text, "A", "k")).toBe("one\ntwo");
  });

  it("starts a value on the next lines when the key line has none", () => {
    expect(value("[A]\nk =\n    one\n    two\n", "A", "k")).toBe("\none\ntwo");
  });

  it("treats an indented line after a header as a key, not a continuation", () => {
    const text = "[A]\n    k = v\n  j = w\n";
    expect(value(text, "A", "k")).toBe("v");
    expect(value(text, "A", "j")).toBe("w");
  });

  it("lets sections fall back to [DEFAULT] keys, their own keys winning", () => {
    const text = "[DEFAULT]\nk = default\nj = shared\n[A]\nk = own\n[B]\n";
    expect(value(text, "A", "k")).toBe("own");
    expect(value(text, "A", "j")).toBe("shared");
    expect(value(text, "B", "k")).toBe("default");
    expect(lookupIniValue(parseIni(text, "f"), "B", "k")?.writtenIn).toBe("DEFAULT");
  });

  it("does not give [DEFAULT] keys to a section the file does not have", () => {
    expect(value("[DEFAULT]\nk = v\n", "A", "k")).toBeUndefined();
  });

  it("resolves %(name)s from the section or [DEFAULT] and %% as a literal %", () => {
    const text = "[DEFAULT]\nbase = /srv\n[A]\nsub = %(base)s/x\nk = %(SUB)s/y\nrate = 100%%\n";
    expect(value(text, "A", "k")).toBe("/srv/x/y");
    expect(value(text, "A", "rate")).toBe("100%");
  });

  it("keeps section names case-sensitive", () => {
    const doc = parseIni("[general]\nk = v\n", "f");
    expect([...doc.sections.keys()]).toEqual(["general"]);
    expect(lookupIniValue(doc, "General", "k")).toBeUndefined();
  });

  it("ignores a UTF-8 byte order mark", () => {
    expect(value("\uFEFF[A]\nk = v\n", "A", "k")).toBe("v");
  });
});

describe("parseIni refuses what configparser refuses, naming file and line", () => {
  it("a section that appears twice", () => {
    const error = errorFrom(() =>
      parseIni("[General]\na = 1\n\n[General]\nb = 2\n", "/etc/p.conf"),
    );
    expect(error.code).toBe("CONFIG_SYNTAX");
    expect(error.message).toBe(
      "/etc/p.conf:4: section [General] appears a second time (first at line 1)",
    );
    expect(error.hint).toBe(
      "Merge the two [General] sections into one; configparser refuses duplicate sections.",
    );
  });

  it("a key that appears twice in a section, whatever its case", () => {
    const error = errorFrom(() =>
      parseIni("[General]\nscratch_path = /a\nSCRATCH_PATH = /b\n", "p.conf"),
    );
    expect(error.code).toBe("CONFIG_SYNTAX");
    expect(error.message).toBe(
      "p.conf:3: [General] scratch_path is set a second time (first at line 2)",
    );
  });

  it("a key before any section header", () => {
    const error = errorFrom(() => parseIni("# comment\ntape_max_size = 1\n[General]\n", "p.conf"));
    expect(error.message).toBe('p.conf:2: "tape_max_size = 1" comes before any [Section] header');
  });

  it("a line that is neither a header nor key = value", () => {
    const error = errorFrom(() => parseIni("[General]\nscratch_path /tmp\n", "p.conf"));
    expect(error.code).toBe("CONFIG_SYNTAX");
    expect(error.message).toBe(
      'p.conf:2: "scratch_path /tmp" is neither a [Section] header nor a "key = value" line',
    );
  });

  it("a lone % (configparser interpolation)", () => {
    const error = errorFrom(() => value("[A]\n\nk = 5% off\n", "A", "k"));
    expect(error.code).toBe("CONFIG_SYNTAX");
    expect(error.message).toBe(
      'test.conf:3: [A] k = "5% off": a lone "%": configparser reads % as the start of a %(name)s reference',
    );
    expect(error.hint).toBe("Write %% for a literal %, as Python's configparser requires.");
  });

  it("a %(name)s reference to a key that does not exist", () => {
    const error = errorFrom(() => value("[A]\nk = %(base)s/x\n", "A", "k"));
    expect(error.message).toBe(
      'test.conf:2: [A] k = "%(base)s/x": refers to %(base)s, but neither [A] nor [DEFAULT] has a key base',
    );
  });

  it("a line outside any section without showing the password of a URL on it", () => {
    const error = errorFrom(() =>
      parseIni("url = nats://admin:s3cret@nats.example.org\n", "p.conf"),
    );
    expect(error.message).toBe(
      'p.conf:1: "url = nats://admin:***@nats.example.org" comes before any [Section] header',
    );
  });

  it("references that loop", () => {
    const error = errorFrom(() => value("[A]\na = %(b)s\nb = %(a)s\n", "A", "a"));
    expect(error.message).toBe(
      'test.conf:2: [A] a = "%(b)s": %(name)s references nest deeper than 10 levels',
    );
  });
});
