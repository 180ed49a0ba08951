import { describe, expect, it } from "vitest";
import { defaultConfig, parseConfig } from "../../../shared/config/index.ts";

describe("[HTTP] settings of the gateway", () => {
  it("listen on 127.0.0.1:8631 by default", () => {
    expect(defaultConfig({}).http).toEqual({ port: 8631, host: "127.0.0.1" });
  });

  it("take a port and an address from the file", () => {
    const config = parseConfig("[HTTP]\nport = 9000\nhost = 0.0.0.0\n", "pytarchive.conf", {});
    expect(config.http).toEqual({ port: 9000, host: "0.0.0.0" });
  });

  it("refuse a port out of range, naming file, section and a valid example", () => {
    expect(() => parseConfig("[HTTP]\nport = 70000\n", "pytarchive.conf", {})).toThrow(
      /pytarchive\.conf: \[HTTP\] port = "70000".*expected a TCP port from 1 to 65535, e\.g\. 8631/,
    );
  });

  it("refuse a host with a port or spaces in it", () => {
    expect(() => parseConfig("[HTTP]\nhost = 127.0.0.1:80\n", "pytarchive.conf", {})).toThrow(
      /expected an address to listen on/,
    );
  });
});
