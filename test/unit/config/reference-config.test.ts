import { afterEach, describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../../shared/config/index.ts";
import { removeTempDirs, writeTempFile } from "./config-test-helpers.ts";

// The configuration from the original pytarchive README, byte for byte: note the trailing
// space after ".config" and after "/dev/st0".
const REFERENCE = [
  "[General]",
  "tape_max_size = 17138671616",
  "exclude_folders = .local, .cache, .config ",
  "source_folders = /path/to/user/homes, /another/network/drive # Paths for pytarchive inventory",
  "scratch_path = /tmp # Path where compressed folders are stored.",
  "",
  "[Device]",
  "library = /dev/sch0 # the device id of the changer (not the tape drive)",
  "drive_serial = 10WT012345 # obtain with sudo tapeinfo -f /dev/st0 ",
  "",
  "[Export]",
  "to = 192.168.0.0/16 # Network to export to for pytarchive explore",
  "settings = ro,fsid=1 # NFS export options",
  "",
].join("\n");

afterEach(removeTempDirs);

describe("the original README's pytarchive.conf", () => {
  it("is the text the README gives, trailing spaces included", () => {
    expect(REFERENCE).toContain(".cache, .config \nsource_folders");
    expect(REFERENCE).toContain("tapeinfo -f /dev/st0 \n\n[Export]");
  });

  it("reads to exactly the values the original meant, with defaults for everything new", () => {
    const file = writeTempFile(REFERENCE);
    const config = loadConfig({ path: file, env: {} });
    expect(config).toEqual({
      source: file,
      general: {
        tapeMaxSizeKiB: 17138671616,
        excludeFolders: [".local", ".cache", ".config"],
        sourceFolders: ["/path/to/user/homes", "/another/network/drive"],
        scratchPath: "/tmp",
        keepPacked: false,
      },
      device: {
        library: "/dev/sch0",
        drives: [{ element: 0, device: "10WT012345", mountPoint: "/ltfs", serial: "10WT012345" }],
        simulate: false,
        mediaCapacityKiB: null,
      },
      export: { to: "192.168.0.0/16", settings: "ro,fsid=1", maxSeconds: 604800 },
      ltfs: { mountOptions: [], mkltfsOptions: [], ltfsckOptions: [] },
      tools: {
        mtx: "mtx",
        tapeinfo: "tapeinfo",
        mkltfs: "mkltfs",
        ltfs: "ltfs",
        ltfsck: "ltfsck",
        exportfs: "exportfs",
        fuser: "fuser",
        umount: "umount",
      },
      nats: {
        url: null,
        credentialsFile: null,
        libraryId: "default",
        ackWaitSeconds: 30,
        replicas: 1,
      },
      database: { url: null },
      http: { port: 8631, host: "127.0.0.1" },
      compression: { program: "zstd", threads: 0, concurrency: 1 },
      paths: { mountTable: "/proc/mounts", stateDir: "/var/lib/pytarchive" },
      smtp: {
        host: null,
        port: 25,
        secure: false,
        starttls: false,
        user: null,
        password: null,
        from: null,
        admins: [],
        subjectPrefix: "pytarchive",
        loggingConf: "/etc/pytarchive/logging.conf",
      },
      chat: { webhookUrl: null, username: "pytarchive" },
      inventory: { schedule: null, probeTimeoutSeconds: 10 },
      services: { processes: "split" },
      // Unset: the original's logging.conf, if any, gives the file, size and count when a process starts.
      logging: { file: undefined, level: "info", maxBytes: undefined, backupCount: undefined },
    });
  });

  it("keeps tape_max_size above 2^31 exact", () => {
    const config = parseConfig(REFERENCE, "pytarchive.conf", {});
    expect(config.general.tapeMaxSizeKiB).toBe(17_138_671_616);
    expect(config.general.tapeMaxSizeKiB > 2 ** 31).toBe(true);
  });

  it("reads the same values from CRLF line endings", () => {
    const config = parseConfig(REFERENCE.replaceAll("\n", "\r\n"), "pytarchive.conf", {});
    expect(config.general.excludeFolders).toEqual([".local", ".cache", ".config"]);
    expect(config.device.drives[0]?.serial).toBe("10WT012345");
  });
});
