import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { natsClusterMain } from "../../../infra/scripts/nats-cluster-main.ts";
import { runCommand } from "../../../shared/exec/index.ts";
import { readCredentialsFile } from "../../../shared/nats/credentials-file.ts";
import { NATS_USERS } from "../../../shared/nats/nats-users.ts";
import { runScriptRecorded } from "../../helpers/run-script.ts";

/*
 * infra/scripts/nats-cluster as an operator runs it: one nats-server configuration a node, which
 * nats-server itself accepts, with the users of the single server, routes to every node and
 * credentials that survive adding a node; a cluster that cannot work is refused before a file
 * is written.
 */

const folders: string[] = [];

afterEach(() => {
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function newFolder(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "pyt-nats-cluster-"));
  folders.push(folder);
  return folder;
}

function natsCluster(argv: string[]) {
  return runScriptRecorded(natsClusterMain, argv, os.tmpdir());
}

const THREE_NODES = [
  "--node",
  "nats1=10.0.0.11",
  "--node",
  "nats2=10.0.0.12",
  "--node",
  "nats3=10.0.0.13:4223:6223",
];

describe("infra/scripts/nats-cluster", () => {
  it("writes one configuration a node that nats-server accepts, routing to every node", async () => {
    const out = path.join(newFolder(), "cluster");
    const run = await natsCluster(["--out", out, ...THREE_NODES]);
    expect(run).toMatchObject({ exitCode: 0, stderr: "" });
    expect(run.stdout).toContain(
      "url = nats://10.0.0.11:4222,nats://10.0.0.12:4222,nats://10.0.0.13:4223",
    );
    expect(run.stdout).toContain("replicas = 3");
    for (const name of ["nats1", "nats2", "nats3"]) {
      const file = path.join(out, `${name}.conf`);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const text = fs.readFileSync(file, "utf8");
      expect(text).toContain(`server_name: "${name}"`);
      expect(text).toContain('store_dir: "/var/lib/nats-server"');
      for (const route of [
        "nats-route://10.0.0.11:6222",
        "nats-route://10.0.0.12:6222",
        "nats-route://10.0.0.13:6223",
      ]) {
        expect(text).toContain(`"${route}"`);
      }
      for (const user of NATS_USERS) expect(text).toContain(`user: "${user}"`);
      const check = await runCommand("nats-server", ["-t", "-c", file]);
      expect(check.exitCode, check.stderr).toBe(0);
    }
    expect(fs.readFileSync(path.join(out, "nats3.conf"), "utf8")).toContain(
      'listen: "10.0.0.13:6223"',
    );
  });

  it("keeps every password when run again with one more node", async () => {
    const out = path.join(newFolder(), "cluster");
    expect((await natsCluster(["--out", out, ...THREE_NODES])).exitCode).toBe(0);
    const before = readCredentialsFile(path.join(out, "credentials", "ltfs.cred"));
    const again = await natsCluster(["--out", out, ...THREE_NODES, "--node", "nats4=10.0.0.14"]);
    expect(again.exitCode).toBe(0);
    expect(readCredentialsFile(path.join(out, "credentials", "ltfs.cred"))).toEqual(before);
    expect(fs.readFileSync(path.join(out, "nats1.conf"), "utf8")).toContain(
      '"nats-route://10.0.0.14:6222"',
    );
    expect(fs.readFileSync(path.join(out, "nats4.conf"), "utf8")).toContain(
      `password: "${before.password}"`,
    );
  });

  it("serves several libraries: each its own users and credentials, kept when run again", async () => {
    const out = path.join(newFolder(), "cluster");
    const run = await natsCluster([
      ...["--out", out, "--library-id", "hera", "--library-id", "zeus"],
      ...THREE_NODES,
    ]);
    expect(run).toMatchObject({ exitCode: 0, stderr: "" });
    expect(run.stdout).toContain(`wrote ${out}/credentials/<user>.cred (library hera)`);
    expect(run.stdout).toContain(`wrote ${out}/credentials/zeus/<user>.cred (library zeus)`);
    expect(run.stdout).toContain("library_id = hera");
    expect(run.stdout).toContain("library_id = zeus");
    const heraLtfs = readCredentialsFile(path.join(out, "credentials", "ltfs.cred"));
    const zeusLtfs = readCredentialsFile(path.join(out, "credentials", "zeus", "ltfs.cred"));
    expect(heraLtfs.user).toBe("ltfs");
    expect(zeusLtfs.user).toBe("ltfs-zeus");
    const text = fs.readFileSync(path.join(out, "nats2.conf"), "utf8");
    for (const user of NATS_USERS) {
      expect(text).toContain(`user: "${user}"`);
      expect(text).toContain(`user: "${user}-zeus"`);
    }
    expect(text).toContain('"pyt.zeus.cmd.>"');
    const check = await runCommand("nats-server", ["-t", "-c", path.join(out, "nats2.conf")]);
    expect(check.exitCode, check.stderr).toBe(0);

    // Again, as a list, with a third library added last: every password stays.
    const again = await natsCluster([
      ...["--out", out, "--library-id", "hera,zeus,apollo"],
      ...THREE_NODES,
    ]);
    expect(again.exitCode).toBe(0);
    expect(readCredentialsFile(path.join(out, "credentials", "ltfs.cred"))).toEqual(heraLtfs);
    expect(readCredentialsFile(path.join(out, "credentials", "zeus", "ltfs.cred"))).toEqual(
      zeusLtfs,
    );
    expect(readCredentialsFile(path.join(out, "credentials", "apollo", "operator.cred")).user).toBe(
      "operator-apollo",
    );

    // In another order the first library's files no longer match its users: refused.
    const swapped = await natsCluster([
      ...["--out", out, "--library-id", "zeus", "--library-id", "hera"],
      ...THREE_NODES,
    ]);
    expect(swapped.exitCode).toBe(1);
    expect(swapped.stderr).toContain(
      `The credentials in ${out}/credentials were written for the libraries hera, zeus, apollo, in that order; zeus, hera were given.`,
    );
    expect(swapped.stderr).toContain("--library-id hera --library-id zeus --library-id apollo");
    expect(readCredentialsFile(path.join(out, "credentials", "ltfs.cred"))).toEqual(heraLtfs);
  });

  it("refuses a library id twice or one that cannot be a subject token, writing nothing", async () => {
    const out = path.join(newFolder(), "cluster");
    const twice = await natsCluster(["--out", out, "--library-id", "hera,hera", ...THREE_NODES]);
    expect(twice.exitCode).toBe(1);
    expect(twice.stderr).toContain('The library id "hera" was given twice.');
    const bad = await natsCluster(["--out", out, "--library-id", "he ra", ...THREE_NODES]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('The library id "he ra" cannot be used in NATS subjects');
    expect(fs.existsSync(out)).toBe(false);
  });

  it("writes a single server for two libraries with one --node, which nats-server accepts", async () => {
    const out = path.join(newFolder(), "single");
    const run = await natsCluster([
      ...["--out", out, "--library-id", "hera,zeus", "--node", "nats=10.0.0.11"],
    ]);
    expect(run).toMatchObject({ exitCode: 0, stderr: "" });
    expect(run.stdout).toContain("url = nats://10.0.0.11:4222\nlibrary_id = zeus\nreplicas = 1");
    const file = path.join(out, "nats.conf");
    const text = fs.readFileSync(file, "utf8");
    expect(text).not.toContain("cluster {");
    expect(text).toContain('user: "catalog-zeus"');
    const check = await runCommand("nats-server", ["-t", "-c", file]);
    expect(check.exitCode, check.stderr).toBe(0);
    const bad = await natsCluster(["--out", out, "--node", "../x=10.0.0.11"]);
    expect(bad.stderr).toContain('The server name "../x" cannot be used');
  });

  it("says in its help how a site with several libraries runs it", async () => {
    const help = await natsCluster(["--help"]);
    expect(help.stdout).toContain("--library-id hera --library-id zeus");
    expect(help.stdout).toContain("DIR/credentials/LIBRARY/USER.cred");
  });

  it("gives nodes that share a host a store folder each", async () => {
    const out = path.join(newFolder(), "cluster");
    const run = await natsCluster([
      "--out",
      out,
      "--store-dir",
      "/srv/nats",
      ...["a=127.0.0.1:4222:6222", "b=127.0.0.1:4223:6223", "c=127.0.0.1:4224:6224"].flatMap(
        (node) => ["--node", node],
      ),
    ]);
    expect(run.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(out, "b.conf"), "utf8")).toContain('store_dir: "/srv/nats/b"');
  });

  it("refuses a cluster of two, writing nothing", async () => {
    const out = path.join(newFolder(), "cluster");
    const run = await natsCluster(["--out", out, ...THREE_NODES.slice(0, 4)]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("A JetStream cluster needs at least 3 servers; 2 were given.");
    expect(fs.existsSync(out)).toBe(false);
  });

  it("refuses two nodes on one address, and a node it cannot read, with its usage", async () => {
    const out = path.join(newFolder(), "cluster");
    const same = await natsCluster(["--out", out, ...THREE_NODES, "--node", "nats4=10.0.0.11"]);
    expect(same.exitCode).toBe(1);
    expect(same.stderr).toContain('Nodes "nats1" and "nats4" both use the address 10.0.0.11:4222.');
    const wrong = await natsCluster(["--out", out, "--node", "nats1:10.0.0.11"]);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain("is not NAME=HOST[:PORT[:ROUTE_PORT]]");
    expect(wrong.stderr).toContain("infra/scripts/nats-cluster --help");
  });
});
