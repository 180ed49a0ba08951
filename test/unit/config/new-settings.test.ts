import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultConfig, parseConfig } from "../../../shared/config/index.ts";
import { makeTempDir, removeTempDirs, writeExecutable } from "./config-test-helpers.ts";

const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfig(text, "test.conf", env);

afterEach(removeTempDirs);

describe("defaults with nothing configured", () => {
  it("has one drive, the changer /dev/sch0 and the embedded NATS and database", () => {
    const config = defaultConfig({});
    expect(config.source).toBeNull();
    expect(config.device).toEqual({
      library: "/dev/sch0",
      drives: [{ element: 0, device: "/dev/sg0", mountPoint: "/ltfs", serial: null }],
      simulate: false,
      mediaCapacityKiB: null,
    });
    expect(config.general).toEqual({
      tapeMaxSizeKiB: 17138671616,
      excludeFolders: [],
      sourceFolders: [],
      scratchPath: "/var/lib/pytarchive/scratch",
      keepPacked: false,
    });
    expect(config.export).toEqual({
      to: "127.0.0.1",
      settings: "ro,fsid=1,no_subtree_check",
      maxSeconds: 604800,
    });
    expect(config.nats).toEqual({
      url: null,
      credentialsFile: null,
      libraryId: "default",
      ackWaitSeconds: 30,
      replicas: 1,
    });
    expect(config.database).toEqual({ url: null });
    expect(config.paths).toEqual({ mountTable: "/proc/mounts", stateDir: "/var/lib/pytarchive" });
  });

  it("reads an empty file as all defaults, named as the source", () => {
    const config = parse("");
    expect(config.source).toBe("test.conf");
    expect({ ...config, source: null }).toEqual(defaultConfig({}));
  });
});

describe("[Drive <n>] sections", () => {
  it("describe several drives, sorted by element, with element and mount point from the number", () => {
    const config = parse(
      [
        "[Drive 1]",
        "device = /dev/sg4",
        "serial = 10WT054321",
        "[Drive 0]",
        "device = /dev/sg3",
        "mount_point = /srv/tape0",
      ].join("\n"),
    );
    expect(config.device.drives).toEqual([
      { element: 0, device: "/dev/sg3", mountPoint: "/srv/tape0", serial: null },
      { element: 1, device: "/dev/sg4", mountPoint: "/ltfs1", serial: "10WT054321" },
    ]);
  });

  it("take element from the key when given, and the serial as device when no device is given", () => {
    const config = parse("[Drive 0]\nelement = 2\nserial = 10WT012345\n");
    expect(config.device.drives).toEqual([
      { element: 2, device: "10WT012345", mountPoint: "/ltfs0", serial: "10WT012345" },
    ]);
  });

  it("still read [Device] library", () => {
    const config = parse("[Device]\nlibrary = /dev/sch1\n[Drive 0]\ndevice = /dev/sg3\n");
    expect(config.device.library).toBe("/dev/sch1");
  });
});

describe("the single-drive form", () => {
  it("takes [Device] mount_point for drive 0", () => {
    const config = parse("[Device]\ndrive_serial = 10WT012345\nmount_point = /mnt/tape/\n");
    expect(config.device.drives).toEqual([
      { element: 0, device: "10WT012345", mountPoint: "/mnt/tape", serial: "10WT012345" },
    ]);
  });
});

describe("[LTFS]", () => {
  it("splits mount_options at commas and the argument lists at whitespace", () => {
    const config = parse(
      [
        "[LTFS]",
        "mount_options = sync_type=unmount, capture_index",
        "mkltfs_options = -e file   --no-compression",
        "ltfsck_options = -e file",
      ].join("\n"),
    );
    expect(config.ltfs).toEqual({
      mountOptions: ["sync_type=unmount", "capture_index"],
      mkltfsOptions: ["-e", "file", "--no-compression"],
      ltfsckOptions: ["-e", "file"],
    });
  });
});

describe("[Tools]", () => {
  it("uses each tool's own key as given", () => {
    const config = parse("[Tools]\nmtx = /usr/local/sbin/mtx\nltfs = ltfs-sde\n");
    expect(config.tools.mtx).toBe("/usr/local/sbin/mtx");
    expect(config.tools.ltfs).toBe("ltfs-sde");
    expect(config.tools.tapeinfo).toBe("tapeinfo");
  });

  it("searches [Tools] path first, falling back to the bare name for tools it lacks", () => {
    const bin = makeTempDir();
    const mtx = writeExecutable(bin, "mtx");
    const ltfs = writeExecutable(bin, "ltfs");
    fs.writeFileSync(path.join(bin, "mkltfs"), "not executable", { mode: 0o644 });
    fs.mkdirSync(path.join(bin, "fuser"));
    const config = parse(`[Tools]\npath = ${bin}\n`);
    expect(config.tools).toEqual({
      mtx,
      tapeinfo: "tapeinfo",
      mkltfs: "mkltfs",
      ltfs,
      ltfsck: "ltfsck",
      exportfs: "exportfs",
      fuser: "fuser",
      umount: "umount",
    });
  });

  it("lets a tool's own key win over [Tools] path", () => {
    const bin = makeTempDir();
    writeExecutable(bin, "mtx");
    const config = parse(`[Tools]\npath = ${bin}\nmtx = /opt/mtx/bin/mtx\n`);
    expect(config.tools.mtx).toBe("/opt/mtx/bin/mtx");
  });
});

describe("[Paths], [NATS] and [Database]", () => {
  it("read every key", () => {
    const config = parse(
      [
        "[Paths]",
        "mount_table = /var/lib/pytarchive/sim/mounts",
        "state_dir = /srv/pytarchive",
        "[NATS]",
        "url = nats://nats.example.org:4222",
        "credentials_file = /etc/pytarchive/nats.creds",
        "library_id = tl2000-basement",
        "ack_wait = 10",
        "[Database]",
        "url = postgres://pytarchive@db.example.org:5432/pytarchive",
      ].join("\n"),
    );
    expect(config.paths).toEqual({
      mountTable: "/var/lib/pytarchive/sim/mounts",
      stateDir: "/srv/pytarchive",
    });
    expect(config.nats).toEqual({
      url: "nats://nats.example.org:4222",
      credentialsFile: "/etc/pytarchive/nats.creds",
      libraryId: "tl2000-basement",
      ackWaitSeconds: 10,
      replicas: 1,
    });
    expect(config.database.url).toBe("postgres://pytarchive@db.example.org:5432/pytarchive");
  });

  it("put the default scratch folder inside the configured state folder", () => {
    expect(parse("[Paths]\nstate_dir = /srv/pytarchive\n").general.scratchPath).toBe(
      "/srv/pytarchive/scratch",
    );
  });

  it("read an empty NATS or database url as 'none' (the embedded servers)", () => {
    const config = parse("[NATS]\nurl =\n[Database]\nurl =\n");
    expect(config.nats.url).toBeNull();
    expect(config.database.url).toBeNull();
  });
});

describe("[DEFAULT] and continuation lines in a real configuration", () => {
  it("lets [DEFAULT] provide shared values and %(name)s variables", () => {
    const config = parse(
      [
        "[DEFAULT]",
        "sim = /var/lib/pytarchive/sim",
        "[Device]",
        "library = %(sim)s/changer",
        "[Drive 0]",
        "device = %(sim)s/drives/0",
        "[Paths]",
        "mount_table = %(sim)s/mounts",
      ].join("\n"),
    );
    expect(config.device.library).toBe("/var/lib/pytarchive/sim/changer");
    expect(config.device.drives[0]?.device).toBe("/var/lib/pytarchive/sim/drives/0");
    expect(config.paths.mountTable).toBe("/var/lib/pytarchive/sim/mounts");
  });

  it("applies a [DEFAULT] key to every drive section", () => {
    const config = parse(
      "[DEFAULT]\nserial = shared\n[Drive 0]\ndevice = /dev/sg3\n[Drive 1]\ndevice = /dev/sg4\n",
    );
    expect(config.device.drives.map((drive) => drive.serial)).toEqual(["shared", "shared"]);
  });

  it("reads list entries from continuation lines, with or without commas", () => {
    const config = parse(
      [
        "[General]",
        "source_folders =",
        "    /srv/homes",
        "    /srv/projects, /srv/scratch",
        "exclude_folders = .cache,",
        "    .local",
      ].join("\n"),
    );
    expect(config.general.sourceFolders).toEqual(["/srv/homes", "/srv/projects", "/srv/scratch"]);
    expect(config.general.excludeFolders).toEqual([".cache", ".local"]);
  });
});
