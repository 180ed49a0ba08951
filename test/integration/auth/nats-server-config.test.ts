import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_PASSWORDS, exampleNatsServerConfig } from "../../../infra/nats/example-config.ts";
import { ensureLibraryCredentials } from "../../../infra/nats/library-credentials.ts";
import {
  formatNatsServerConfig,
  writeNatsServerConfig,
} from "../../../infra/nats/nats-server-config.ts";
import { natsUserOfService } from "../../../services/launcher/service-users.ts";
import { runCommand } from "../../../shared/exec/index.ts";
import { readCredentialsFile } from "../../../shared/nats/credentials-file.ts";
import { NATS_USERS } from "../../../shared/nats/nats-users.ts";
import {
  isPermitted,
  libraryPermissions,
  subjectMatches,
  userPermissions,
} from "../../../shared/nats/permissions.ts";
import { writeCredentialsFile } from "../../../shared/nats/write-credentials-file.ts";

let folder: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "pyt-nats-config-"));
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

const options = {
  libraryId: "lib1",
  storeDir: "/var/lib/pytarchive/nats",
  host: "127.0.0.1",
  port: 14222,
  passwords: EXAMPLE_PASSWORDS,
};

/** How the changer takes moves: its consumer's create, pull, info and ack subjects. */
const CHANGER_CONSUMER_SUBJECTS = [
  "$JS.API.CONSUMER.CREATE.PYT_lib1_CHANGER.changer.pyt.lib1.changer.move",
  "$JS.API.CONSUMER.MSG.NEXT.PYT_lib1_CHANGER.changer",
  "$JS.API.CONSUMER.INFO.PYT_lib1_CHANGER.changer",
  "$JS.ACK.PYT_lib1_CHANGER.changer.1.7.7.1764130000000000000.0",
  "$JS.ACK.hub.ACCOUNTHASH.PYT_lib1_CHANGER.changer.1.7.7.1764130000000000000.0.token",
];

/** Other ways to take, drop or see moves: other consumers, older create APIs, purges. */
const NOBODYS_SUBJECTS = [
  "$JS.API.CONSUMER.CREATE.PYT_lib1_CHANGER",
  "$JS.API.CONSUMER.CREATE.PYT_lib1_CHANGER.sneaky",
  "$JS.API.CONSUMER.CREATE.PYT_lib1_CHANGER.sneaky.pyt.lib1.changer.move",
  "$JS.API.CONSUMER.DURABLE.CREATE.PYT_lib1_CHANGER.changer",
  "$JS.API.CONSUMER.DELETE.PYT_lib1_CHANGER.changer",
  "$JS.API.STREAM.PURGE.PYT_lib1_CHANGER",
  "$JS.API.STREAM.DELETE.PYT_lib1_CHANGER",
  "$JS.API.STREAM.MSG.DELETE.PYT_lib1_CHANGER",
  "$JS.API.STREAM.MSG.GET.PYT_lib1_CHANGER",
  "$JS.API.DIRECT.GET.PYT_lib1_CHANGER",
];

describe("the permission matrix (shared/nats/permissions.ts)", () => {
  it("lets nobody but the changer create, pull from or acknowledge the changer stream's consumer", () => {
    const permissions = libraryPermissions("lib1");
    for (const subject of CHANGER_CONSUMER_SUBJECTS) {
      expect(
        NATS_USERS.filter((user) => isPermitted(permissions[user], "publish", subject)),
        subject,
      ).toEqual(["changer"]);
    }
  });

  it("lets nobody make another consumer on the changer stream, purge it or read moves from it", () => {
    const permissions = libraryPermissions("lib1");
    for (const subject of NOBODYS_SUBJECTS) {
      expect(
        NATS_USERS.filter((user) => isPermitted(permissions[user], "publish", subject)),
        subject,
      ).toEqual([]);
    }
  });

  it("lets only the scheduler publish a tape move, and nobody subscribe to moves directly", () => {
    const permissions = libraryPermissions("lib1");
    expect(
      NATS_USERS.filter((user) =>
        isPermitted(permissions[user], "publish", "pyt.lib1.changer.move"),
      ),
    ).toEqual(["scheduler"]);
    expect(
      NATS_USERS.filter((user) =>
        isPermitted(permissions[user], "subscribe", "pyt.lib1.changer.move"),
      ),
    ).toEqual([]);
  });

  it("gives the operator commands and $SRV discovery only", () => {
    expect(userPermissions("lib1", "operator")).toEqual({
      publish: ["pyt.lib1.cmd.>", "$SRV.>"],
      subscribe: ["_INBOX.>"],
      allowResponses: false,
    });
  });

  it("lets only the gateway answer commands", () => {
    const permissions = libraryPermissions("lib1");
    expect(
      NATS_USERS.filter((user) =>
        isPermitted(permissions[user], "subscribe", "pyt.lib1.cmd.archive"),
      ),
    ).toEqual(["gateway"]);
  });

  it("lets only the changer answer changer status, asked by the gateway and the scheduler", () => {
    const permissions = libraryPermissions("lib1");
    expect(
      NATS_USERS.filter((user) =>
        isPermitted(permissions[user], "subscribe", "pyt.lib1.changer.status"),
      ),
    ).toEqual(["changer"]);
    expect(
      NATS_USERS.filter((user) =>
        isPermitted(permissions[user], "publish", "pyt.lib1.changer.status"),
      ),
    ).toEqual(["gateway", "scheduler"]);
    expect(NATS_USERS.filter((user) => permissions[user].allowResponses)).toEqual([
      "gateway",
      "changer",
      "catalog",
    ]);
  });

  it("lets a service consume only its own work queue", () => {
    const ltfs = userPermissions("lib1", "ltfs");
    expect(
      isPermitted(
        ltfs,
        "publish",
        "$JS.API.CONSUMER.CREATE.PYT_lib1_WORK.ltfs.pyt.lib1.work.ltfs.>",
      ),
    ).toBe(true);
    expect(isPermitted(ltfs, "publish", "$JS.API.CONSUMER.MSG.NEXT.PYT_lib1_WORK.ltfs")).toBe(true);
    expect(
      isPermitted(
        ltfs,
        "publish",
        "$JS.API.CONSUMER.CREATE.PYT_lib1_WORK.ltfs.pyt.lib1.work.scheduler.>",
      ),
    ).toBe(false);
    expect(isPermitted(ltfs, "publish", "$JS.API.CONSUMER.MSG.NEXT.PYT_lib1_WORK.scheduler")).toBe(
      false,
    );
  });

  it("keeps libraries apart: a user of lib1 has nothing in lib2", () => {
    const permissions = libraryPermissions("lib1");
    for (const user of NATS_USERS) {
      expect(isPermitted(permissions[user], "publish", "pyt.lib2.cmd.archive")).toBe(false);
      expect(isPermitted(permissions[user], "publish", "$JS.API.STREAM.INFO.PYT_lib2_WORK")).toBe(
        false,
      );
    }
  });

  it("matches subjects as nats-server does", () => {
    expect(subjectMatches("pyt.lib1.cmd.>", "pyt.lib1.cmd.archive")).toBe(true);
    expect(subjectMatches("pyt.lib1.cmd.>", "pyt.lib1.cmd")).toBe(false);
    expect(subjectMatches("$JS.ACK.*.*.S.c.>", "$JS.ACK.d.h.S.c.1")).toBe(true);
    expect(subjectMatches("$JS.ACK.*.*.S.c.>", "$JS.ACK.S.c.1.1.1.1.0")).toBe(false);
    expect(subjectMatches("a.*.c", "a.b.c")).toBe(true);
    expect(subjectMatches("a.*.c", "a.b.c.d")).toBe(false);
  });
});

describe("nats-server.conf", () => {
  it("infra/nats/nats-server.conf is exactly what the generator writes for the example", () => {
    const committed = readFileSync(
      new URL("../../../infra/nats/nats-server.conf", import.meta.url),
      "utf8",
    );
    // Regenerate with: npx tsx infra/nats/example-config.ts > infra/nats/nats-server.conf
    expect(committed).toBe(exampleNatsServerConfig());
  });

  it("is accepted by nats-server -t, for the example and a generated file", async () => {
    const file = writeNatsServerConfig({ ...options, file: join(folder, "generated.conf") });
    const example = join(folder, "example.conf");
    writeNatsServerConfig({ ...options, libraryId: "default", file: example });
    for (const config of [file, example]) {
      const result = await runCommand("nats-server", ["-c", config, "-t"]);
      expect(`${result.stdout}${result.stderr}`.trim()).toBe(
        `nats-server: configuration file ${config} is valid`,
      );
      expect(result.exitCode).toBe(0);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("writes each user with its role, password and permissions", () => {
    const text = formatNatsServerConfig(options);
    expect(text).toContain('listen: "127.0.0.1:14222"');
    expect(text).toContain('store_dir: "/var/lib/pytarchive/nats"');
    const operator = text.slice(text.indexOf("# operator:"));
    expect(operator).toContain('user: "operator"');
    expect(operator).toContain('password: "CHANGE-ME-operator"');
    expect(operator).toMatch(/publish: \{\s+allow: \[\s+"pyt.lib1.cmd.>"\s+"\$SRV.>"\s+\]/);
    expect(text.match(/user: "/g)?.length).toBe(NATS_USERS.length);
  });

  it("serves several libraries: each its own users, named apart, with its own subjects", async () => {
    const passwords = ensureLibraryCredentials(join(folder, "several"), ["lib1", "lib2"]);
    const several = { ...options, libraryId: undefined, libraryIds: ["lib1", "lib2"], passwords };
    const text = formatNatsServerConfig(several);
    expect(text).toContain(
      '# nats-server configuration for pytarchive libraries "lib1", "lib2": each',
    );
    expect(text.match(/user: "/g)?.length).toBe(2 * NATS_USERS.length);
    const ltfs2 = text.slice(text.indexOf('# ltfs-lib2 (library "lib2"):'));
    expect(ltfs2).toContain('user: "ltfs-lib2"');
    expect(ltfs2.slice(0, ltfs2.indexOf("# compression"))).not.toContain("lib1");
    const ltfs1 = text.slice(
      text.indexOf('# ltfs (library "lib1"):'),
      text.indexOf("# compression"),
    );
    expect(ltfs1).toContain('user: "ltfs"');
    expect(ltfs1).not.toContain("lib2");
    const file = writeNatsServerConfig({ ...several, file: join(folder, "several.conf") });
    const result = await runCommand("nats-server", ["-c", file, "-t"]);
    expect(result.exitCode, result.stderr).toBe(0);
    // One library given as a list is the single server's file, word for word.
    expect(formatNatsServerConfig({ ...options, libraryId: undefined, libraryIds: ["lib1"] })).toBe(
      formatNatsServerConfig(options),
    );
    const { "operator-lib2": _left, ...withoutOne } = passwords;
    expect(() => formatNatsServerConfig({ ...several, passwords: withoutOne })).toThrow(
      expect.objectContaining({ message: 'No password was given for NATS user "operator-lib2".' }),
    );
  });

  it("refuses a password the config language or the credentials file could not carry", () => {
    for (const bad of ['pa"ss', "pa ss", "pa\\ss", "$2a$10$abc"]) {
      expect(() =>
        formatNatsServerConfig({ ...options, passwords: { ...EXAMPLE_PASSWORDS, ltfs: bad } }),
      ).toThrow(
        expect.objectContaining({
          code: "NATS_CONFIG_INVALID",
          message: expect.stringContaining('The password of NATS user "ltfs" cannot be used'),
        }),
      );
    }
  });
});

describe("credentials files", () => {
  it("are written 0600 and read back as written", () => {
    const file = join(folder, "credentials", "operator.cred");
    writeCredentialsFile(file, { user: "operator", password: "Zm9vYmFy-_~" });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(folder, "credentials")).mode & 0o777).toBe(0o700);
    expect(readCredentialsFile(file)).toEqual({ user: "operator", password: "Zm9vYmFy-_~" });
  });
});

describe("service users", () => {
  it("runs each service as the NATS user of its name, and echo as the gateway", () => {
    expect(natsUserOfService("changer")).toBe("changer");
    expect(natsUserOfService("echo")).toBe("gateway");
    expect(() => natsUserOfService("backup")).toThrow(
      expect.objectContaining({ code: "SERVICE_HAS_NO_NATS_USER" }),
    );
  });
});
