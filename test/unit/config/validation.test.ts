import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../shared/config/index.ts";
import { errorFrom, makeTempDir, removeTempDirs } from "./config-test-helpers.ts";

const FILE = "/etc/pytarchive/pytarchive.conf";

/** The error parseConfig throws for `text` read as /etc/pytarchive/pytarchive.conf. */
const refusal = (text: string) => errorFrom(() => parseConfig(text, FILE, {}));

afterEach(removeTempDirs);

describe("[General]", () => {
  it("refuses a tape_max_size that is not a whole number of KiB", () => {
    const error = refusal("[General]\ntape_max_size = 17T\n");
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe(
      '/etc/pytarchive/pytarchive.conf: [General] tape_max_size = "17T": expected a whole number of KiB (17138671616 is an LTO-9 tape)',
    );
    expect(error.hint).toBe("The value is on line 2 of /etc/pytarchive/pytarchive.conf.");
  });

  it("refuses a tape_max_size of 0 and one too large to count exactly", () => {
    expect(refusal("[General]\ntape_max_size = 0\n").message).toBe(
      `${FILE}: [General] tape_max_size = "0": expected a whole number of KiB above 0 (17138671616 is an LTO-9 tape)`,
    );
    expect(refusal("[General]\ntape_max_size = 99999999999999999999\n").message).toBe(
      `${FILE}: [General] tape_max_size = "99999999999999999999": is too large for a tape size in KiB (17138671616 is an LTO-9 tape)`,
    );
  });

  it("accepts Python's digit grouping in tape_max_size", () => {
    const config = parseConfig("[General]\ntape_max_size = 17_138_671_616\n", FILE, {});
    expect(config.general.tapeMaxSizeKiB).toBe(17138671616);
  });

  it("refuses a relative source folder, naming the entry", () => {
    expect(refusal("[General]\nsource_folders = /srv/homes, projects\n").message).toBe(
      `${FILE}: [General] source_folders = "/srv/homes, projects": "projects" is not an absolute path; expected e.g. /path/to/user/homes, /another/network/drive`,
    );
  });

  it("refuses a relative or empty scratch_path", () => {
    expect(refusal("[General]\nscratch_path = tmp\n").message).toBe(
      `${FILE}: [General] scratch_path = "tmp": is not an absolute path; expected e.g. /srv/scratch`,
    );
    expect(refusal("[General]\nscratch_path =\n").message).toBe(
      `${FILE}: [General] scratch_path = "": is empty; expected an absolute path, e.g. /srv/scratch`,
    );
  });

  it("refuses exclude_folders entries that are absolute or leave the folder", () => {
    expect(refusal("[General]\nexclude_folders = .cache, /tmp\n").message).toBe(
      `${FILE}: [General] exclude_folders = ".cache, /tmp": "/tmp" starts with /; expected folder names relative to the archived folder, e.g. .local, .cache, .config`,
    );
    expect(refusal("[General]\nexclude_folders = ../other\n").message).toBe(
      `${FILE}: [General] exclude_folders = "../other": "../other" contains "." or ".."; expected folder names inside the archived folder, e.g. .local, .cache, .config`,
    );
  });
});

describe("[Device] and drives", () => {
  it("refuses an empty library", () => {
    expect(refusal("[Device]\nlibrary =\n").message).toBe(
      `${FILE}: [Device] library = "": is empty; expected the changer device given to mtx -f, e.g. /dev/sch0`,
    );
  });

  it("refuses a relative mount point and the root folder", () => {
    expect(refusal("[Device]\nmount_point = ltfs\n").message).toBe(
      `${FILE}: [Device] mount_point = "ltfs": is not an absolute path; expected e.g. /ltfs`,
    );
    expect(refusal("[Drive 0]\ndevice = /dev/sg3\nmount_point = /\n").message).toBe(
      `${FILE}: [Drive 0] mount_point = "/": is the root folder; expected a folder of its own, e.g. /ltfs`,
    );
  });

  it("refuses a drive element that is not a non-negative whole number", () => {
    expect(refusal("[Drive 0]\ndevice = /dev/sg3\nelement = -1\n").message).toBe(
      `${FILE}: [Drive 0] element = "-1": expected the drive's Data Transfer Element number from \`mtx status\`: 0, 1, 2, …`,
    );
  });

  it("refuses a drive section without device or serial", () => {
    const error = refusal("[Drive 0]\ndevice = /dev/sg3\n\n[Drive 1]\nmount_point = /ltfs1\n");
    expect(error.message).toBe(
      `${FILE}: [Drive 1] (line 4): no device: LTFS needs to know which drive this is`,
    );
    expect(error.hint).toBe(
      "Add device = /dev/sgN (see ltfs -o device_list) or serial = <serial from tapeinfo> to [Drive 1].",
    );
  });

  it("refuses two drives with the same mount point", () => {
    const error = refusal(
      "[Drive 0]\ndevice = /dev/sg3\nmount_point = /ltfs\n[Drive 1]\ndevice = /dev/sg4\nmount_point = /ltfs/\n",
    );
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe(
      `${FILE}: [Drive 1] mount_point = "/ltfs/": [Drive 0] mounts its tape there too; every drive needs a mount point of its own, side by side, e.g. /ltfs0 and /ltfs1`,
    );
    expect(error.hint).toBe(`The value is on line 6 of ${FILE}.`);
  });

  it("refuses a mount point inside another drive's", () => {
    expect(
      refusal(
        "[Drive 0]\ndevice = /dev/sg3\nmount_point = /ltfs\n[Drive 1]\ndevice = /dev/sg4\nmount_point = /ltfs/1\n",
      ).message,
    ).toBe(
      `${FILE}: [Drive 1] mount_point = "/ltfs/1": lies inside the mount point of [Drive 0], /ltfs; every drive needs a mount point of its own, side by side, e.g. /ltfs0 and /ltfs1`,
    );
  });

  it("refuses a default mount point that another drive uses, naming the section", () => {
    const error = refusal(
      "[Drive 0]\ndevice = /dev/sg3\nmount_point = /ltfs1\n[Drive 1]\ndevice = /dev/sg4\n",
    );
    expect(error.message).toBe(
      `${FILE}: [Drive 1] (line 4): the default mount_point "/ltfs1": [Drive 0] mounts its tape there too`,
    );
    expect(error.hint).toBe(
      "Set mount_point in [Drive 1]: every drive needs a mount point of its own, side by side, e.g. /ltfs0 and /ltfs1.",
    );
  });

  it("refuses two drives with the same element or the same device", () => {
    expect(
      refusal("[Drive 0]\ndevice = /dev/sg3\n[Drive 1]\ndevice = /dev/sg4\nelement = 0\n").message,
    ).toBe(
      `${FILE}: [Drive 1] element = "0": [Drive 0] has element 0 too; each drive has its own Data Transfer Element number (see mtx status)`,
    );
    expect(refusal("[Drive 0]\ndevice = /dev/sg3\n[Drive 1]\ndevice = /dev/sg3\n").message).toBe(
      `${FILE}: [Drive 1] device = "/dev/sg3": [Drive 0] uses this device too; each drive has its own device (see ltfs -o device_list)`,
    );
  });

  it("blames the serial line when two drives get the same device from their serials", () => {
    expect(
      refusal("[Drive 0]\nserial = 10WT012345\n[Drive 1]\nserial = 10WT012345\n").message,
    ).toBe(
      `${FILE}: [Drive 1] serial = "10WT012345": [Drive 0] uses this device too; each drive has its own device (see ltfs -o device_list)`,
    );
  });

  it("refuses [Device] drive_serial next to [Drive <n>] sections", () => {
    expect(
      refusal("[Device]\ndrive_serial = 10WT012345\n[Drive 0]\ndevice = /dev/sg3\n").message,
    ).toBe(
      `${FILE}: [Device] drive_serial = "10WT012345": cannot be combined with [Drive <n>] sections; set it as serial in [Drive 0] instead`,
    );
  });

  it("refuses a serial with whitespace", () => {
    expect(refusal("[Device]\ndrive_serial = 10WT 012345\n").message).toBe(
      `${FILE}: [Device] drive_serial = "10WT 012345": contains whitespace; expected the drive's serial number, e.g. 10WT012345 (sudo tapeinfo -f /dev/sg0)`,
    );
  });
});

describe("[Export]", () => {
  it.each([
    "192.168.0.0/16",
    "10.1.2.3",
    "192.168.0.0/255.255.0.0",
    "nfs-client.example.org",
    "*.example.org",
    "*",
    "@trusted",
    "2001:db8::/32",
    "[2001:db8::1]",
  ])("accepts the exportfs client %s", (client) => {
    expect(parseConfig(`[Export]\nto = ${client}\n`, FILE, {}).export.to).toBe(client);
  });

  it.each([
    "192.168.0.0/33",
    "10.0.0.256",
    "host name",
    "a.example.org, b.example.org",
    "example.org/24",
    "",
  ])("refuses %j as the exportfs client", (client) => {
    expect(refusal(`[Export]\nto = ${client}\n`).message).toBe(
      `${FILE}: [Export] to = ${JSON.stringify(client)}: expected one exportfs client: a network such as 192.168.0.0/16, a host such as nfs-client.example.org or 10.1.2.3, or a wildcard such as *.example.org`,
    );
  });

  it("refuses settings with spaces, empty settings and rw", () => {
    expect(refusal("[Export]\nsettings = ro, fsid=1\n").message).toBe(
      `${FILE}: [Export] settings = "ro, fsid=1": contains spaces; expected exportfs options separated by commas, e.g. ro,fsid=1`,
    );
    expect(refusal("[Export]\nsettings =\n").message).toBe(
      `${FILE}: [Export] settings = "": is empty; expected exportfs options separated by commas, e.g. ro,fsid=1`,
    );
    const rw = refusal("[Export]\nsettings = rw,fsid=1\n");
    expect(rw.message).toBe(
      `${FILE}: [Export] settings = "rw,fsid=1": contains rw; explored tapes are exported read-only, e.g. ro,fsid=1`,
    );
    expect(rw.hint).toBe(`Remove rw (or replace it with ro). The value is on line 2 of ${FILE}.`);
  });
});

describe("[LTFS]", () => {
  it("refuses mount options written with -o, and devname", () => {
    expect(refusal("[LTFS]\nmount_options = -o sync_type=unmount\n").message).toBe(
      `${FILE}: [LTFS] mount_options = "-o sync_type=unmount": "-o sync_type=unmount" is not an ltfs -o option; write the options without -o, separated by commas, e.g. sync_type=unmount, capture_index`,
    );
    expect(refusal("[LTFS]\nmount_options = devname=/dev/sg3\n").message).toBe(
      `${FILE}: [LTFS] mount_options = "devname=/dev/sg3": "devname=/dev/sg3": the device name is set per drive; use [Drive <n>] device or [Device] drive_serial`,
    );
  });

  it("refuses mkltfs options that choose the device or force a reformat", () => {
    expect(refusal("[LTFS]\nmkltfs_options = -d /dev/sg3\n").message).toBe(
      `${FILE}: [LTFS] mkltfs_options = "-d /dev/sg3": "-d" is not allowed here: the device is set per drive ([Drive <n>] device or [Device] drive_serial)`,
    );
    expect(refusal("[LTFS]\nmkltfs_options = -e file --force\n").message).toBe(
      `${FILE}: [LTFS] mkltfs_options = "-e file --force": "--force" is not allowed here: -f/--force and -w/--wipe would let mkltfs erase a tape that holds archives`,
    );
  });

  it("refuses quotes, which no shell would interpret", () => {
    expect(refusal("[LTFS]\nltfsck_options = -e 'file'\n").message).toBe(
      `${FILE}: [LTFS] ltfsck_options = "-e 'file'": "'file'" contains a quote; arguments are split at whitespace and quotes are not interpreted, e.g. -e file`,
    );
  });
});

describe("[Tools]", () => {
  it("refuses a relative tool path", () => {
    expect(refusal("[Tools]\nmtx = bin/mtx\n").message).toBe(
      `${FILE}: [Tools] mtx = "bin/mtx": expected a command name found on PATH (e.g. mtx) or an absolute path (e.g. /usr/local/bin/mtx)`,
    );
  });

  it("refuses a tools path that is not an existing folder, instead of running the real tools", () => {
    const missing = `${makeTempDir()}/bin`;
    expect(refusal(`[Tools]\npath = ${missing}\n`).message).toBe(
      `${FILE}: [Tools] path = "${missing}": is not an existing folder; expected the folder that holds the tools, e.g. /var/lib/pytarchive/sim/bin`,
    );
  });
});

describe("[Paths], [NATS] and [Database]", () => {
  it("refuses relative state_dir, mount_table and credentials_file", () => {
    expect(refusal("[Paths]\nstate_dir = state\n").message).toBe(
      `${FILE}: [Paths] state_dir = "state": is not an absolute path; expected e.g. /var/lib/pytarchive`,
    );
    expect(refusal("[Paths]\nmount_table = mounts\n").message).toBe(
      `${FILE}: [Paths] mount_table = "mounts": is not an absolute path; expected e.g. /proc/mounts`,
    );
    expect(refusal("[NATS]\ncredentials_file = nats.creds\n").message).toBe(
      `${FILE}: [NATS] credentials_file = "nats.creds": is not an absolute path; expected e.g. /etc/pytarchive/nats.creds`,
    );
  });

  it("refuses a library_id that is not one NATS subject token", () => {
    expect(refusal("[NATS]\nlibrary_id = lab.basement\n").message).toBe(
      `${FILE}: [NATS] library_id = "lab.basement": expected letters, digits, _ and - only (it is part of every NATS subject), e.g. tl2000-basement`,
    );
  });

  it("refuses a URL of the wrong kind without showing its password", () => {
    const nats = refusal("[NATS]\nurl = http://admin:s3cret@nats.example.org\n");
    expect(nats.message).toBe(
      `${FILE}: [NATS] url = "http://admin:***@nats.example.org": expected a NATS server URL such as nats://nats.example.org:4222, or several (the nodes of a cluster) separated by commas`,
    );
    const database = refusal("[Database]\nurl = mysql://pytarchive:s3cret@db/pytarchive\n");
    expect(database.message).toBe(
      `${FILE}: [Database] url = "mysql://pytarchive:***@db/pytarchive": expected a PostgreSQL URL such as postgres://pytarchive@db.example.org:5432/pytarchive`,
    );
    expect(`${nats.message} ${nats.hint} ${database.message} ${database.hint}`).not.toContain(
      "s3cret",
    );
  });
});

describe("[Services]", () => {
  it("reads the process layout, split by default", () => {
    expect(parseConfig("", FILE, {}).services).toEqual({ processes: "split" });
    expect(parseConfig("[Services]\nprocesses = Each\n", FILE, {}).services).toEqual({
      processes: "each",
    });
    expect(parseConfig("[Services]\nprocesses = one\n", FILE, {}).services.processes).toBe("one");
  });

  it("refuses an unknown layout, naming the three there are", () => {
    const error = refusal("[Services]\nprocesses = two\n");
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe(
      `${FILE}: [Services] processes = "two": expected one of one, split, each`,
    );
    expect(error.hint).toContain("The value is on line 2");
  });
});

describe("unknown names", () => {
  it("refuses an unknown section, suggesting the closest known one", () => {
    const error = refusal("[General]\n\n[Devices]\nlibrary = /dev/sch0\n");
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe(
      `${FILE}: [Devices] (line 3): unknown section; did you mean [Device]?`,
    );
    expect(error.hint).toBe(
      "Section names are case-sensitive. Known sections: [General], [Device], [Drive <n>], [Export], [LTFS], [Tools], [Compression], [Paths], [NATS], [Database], [HTTP], [SMTP], [Chat], [Logging], [Inventory], [Services], [DEFAULT].",
    );
  });

  it("suggests the right spelling of a drive section", () => {
    expect(refusal("[drive 1]\ndevice = /dev/sg3\n").message).toBe(
      `${FILE}: [drive 1] (line 1): unknown section; did you mean [Drive 1]?`,
    );
    expect(refusal("[general]\n").message).toBe(
      `${FILE}: [general] (line 1): unknown section; did you mean [General]?`,
    );
  });

  it("refuses an unknown key, suggesting the closest one", () => {
    const error = refusal("[General]\ntape_max_sise = 1\n");
    expect(error.message).toBe(
      `${FILE}: [General] tape_max_sise (line 2): unknown key; did you mean tape_max_size?`,
    );
    expect(error.hint).toBe(
      "Keys of [General]: tape_max_size, exclude_folders, source_folders, scratch_path, keep_packed.",
    );
  });

  it("says where a key of another section belongs", () => {
    expect(refusal("[General]\nlibrary = /dev/sch0\n").message).toBe(
      `${FILE}: [General] library (line 2): unknown key; library belongs in [Device]`,
    );
  });

  it("names every section a misplaced key may belong in", () => {
    expect(refusal("[General]\nurl = nats://nats.example.org\n").message).toBe(
      `${FILE}: [General] url (line 2): unknown key; url belongs in [NATS] or [Database]`,
    );
  });

  it("refuses a [DEFAULT] key that is neither a setting nor a %(name)s variable", () => {
    const error = refusal("[DEFAULT]\nscrach_path = /tmp\n[General]\n");
    expect(error.message).toBe(
      `${FILE}: [DEFAULT] scrach_path (line 2): unknown key; did you mean scratch_path?`,
    );
  });

  it("names [DEFAULT] when the wrong value comes from there", () => {
    const error = refusal("[DEFAULT]\nelement = x\n[Drive 0]\ndevice = /dev/sg3\n");
    expect(error.message).toBe(
      `${FILE}: [Drive 0] element = "x" (set in [DEFAULT]): expected the drive's Data Transfer Element number from \`mtx status\`: 0, 1, 2, …`,
    );
    expect(error.hint).toBe(`The value is on line 2 of ${FILE}.`);
  });
});

describe("[NATS] ack_wait", () => {
  it.each(["9", "601", "30s", "1.5", ""])("refuses %j", (value) => {
    const error = refusal(`[NATS]\nack_wait = ${value}\n`);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe(
      `${FILE}: [NATS] ack_wait = ${JSON.stringify(value)}: expected a whole number of seconds from 10 to 600, e.g. 30`,
    );
  });

  it("accepts 10 and 600", () => {
    expect(parseConfig("[NATS]\nack_wait = 10\n", FILE, {}).nats.ackWaitSeconds).toBe(10);
    expect(parseConfig("[NATS]\nack_wait = 600\n", FILE, {}).nats.ackWaitSeconds).toBe(600);
  });
});

describe("[NATS] replicas", () => {
  it.each(["0", "2", "4", "6", "7", "three", "1.0", ""])("refuses %j", (value) => {
    const error = refusal(`[NATS]\nreplicas = ${value}\n`);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe(
      `${FILE}: [NATS] replicas = ${JSON.stringify(value)}: expected 1 (a single NATS server), 3 or 5 (a NATS cluster of at least that many servers): an odd number from 1 to 5`,
    );
  });

  it("accepts 1, 3 and 5, and is 1 when not given", () => {
    for (const replicas of [1, 3, 5]) {
      expect(parseConfig(`[NATS]\nreplicas = ${replicas}\n`, FILE, {}).nats.replicas).toBe(
        replicas,
      );
    }
    expect(parseConfig("[NATS]\n", FILE, {}).nats.replicas).toBe(1);
  });
});

describe("[NATS] url with the nodes of a cluster", () => {
  it("keeps every URL, in order, without the blanks around the commas", () => {
    const config = parseConfig(
      "[NATS]\nurl = nats://n1.example.org:4222 , nats://n2.example.org:4222,n3.example.org:4222\n",
      FILE,
      {},
    );
    expect(config.nats.url).toBe(
      "nats://n1.example.org:4222,nats://n2.example.org:4222,n3.example.org:4222",
    );
  });

  it("refuses a list with an empty or wrong entry", () => {
    for (const value of ["nats://n1:4222,,nats://n2:4222", "nats://n1:4222,http://n2"]) {
      expect(refusal(`[NATS]\nurl = ${value}\n`).code).toBe("CONFIG_INVALID");
    }
  });
});
