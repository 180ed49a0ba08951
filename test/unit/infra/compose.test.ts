import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeComposeSecrets } from "../../../infra/compose/write-secrets.ts";
import { SERVICE_REGISTRY } from "../../../services/runner/registry.ts";
import { runCommand } from "../../../shared/exec/index.ts";
import { NATS_USERS, readCredentialsFile } from "../../../shared/nats/index.ts";
import { REPO_ROOT } from "../../harness/stack.ts";

const COMPOSE_FILE = path.join(REPO_ROOT, "docker-compose.yml");

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  secrets?: Array<{ source: string }>;
  volumes?: Array<string | { source?: string; target: string; read_only?: boolean }>;
}

interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** A volume as `docker-compose config` prints it: `source:target:mode`, or the long form. */
function mountOf(volume: NonNullable<ComposeService["volumes"]>[number]): Mount {
  if (typeof volume !== "string") {
    return {
      source: volume.source ?? "",
      target: volume.target,
      readOnly: volume.read_only === true,
    };
  }
  const [source = "", target = "", mode = "rw"] = volume.split(":");
  return { source, target, readOnly: mode.split(",").includes("ro") };
}

function mountsOf(service: ComposeService | undefined): Mount[] {
  return (service?.volumes ?? []).map(mountOf);
}

/** The file as docker-compose itself resolves it (anchors, merges), read as JSON with its own YAML reader. */
async function resolvedCompose(): Promise<{ services: Record<string, ComposeService> }> {
  const config = await runCommand("docker-compose", ["-f", COMPOSE_FILE, "config"], {
    cwd: REPO_ROOT,
  });
  expect(config.exitCode, config.stderr).toBe(0);
  // docker-compose 1.29 is Python; its interpreter has the PyYAML it parsed the file with.
  const interpreter =
    readFileSync("/usr/bin/docker-compose", "utf8").split("\n")[0]?.replace(/^#!/, "") ?? "";
  const json = await runCommand(
    interpreter,
    ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"],
    { input: config.stdout },
  );
  expect(json.exitCode, json.stderr).toBe(0);
  return JSON.parse(json.stdout);
}

const PYTARCHIVE_SERVICES = SERVICE_REGISTRY.map((service) => service.name).filter(
  (name) => name !== "echo",
);

describe("docker-compose.yml", () => {
  it("is a file docker-compose 1.29 accepts", async () => {
    const result = await runCommand("docker-compose", ["-f", COMPOSE_FILE, "config", "-q"], {
      cwd: REPO_ROOT,
    });
    expect(result.stderr.trim()).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("runs every service in a container of its own, as its own NATS user, beside NATS, PostgreSQL, Prometheus and Grafana", async () => {
    const { services } = await resolvedCompose();
    expect(Object.keys(services).sort()).toEqual(
      [...PYTARCHIVE_SERVICES, "nats", "postgres", "prometheus", "grafana"].sort(),
    );
    for (const name of PYTARCHIVE_SERVICES) {
      const service = services[name];
      expect(service?.command, name).toEqual(["--only", name]);
      expect(service?.environment?.PYTARCHIVE_NATS_CREDENTIALS, name).toBe(
        `/run/secrets/${name}.cred`,
      );
      expect(
        service?.secrets?.map((secret) => secret.source),
        name,
      ).toEqual([`${name}.cred`]);
      const config = mountsOf(service).find(
        (mount) => mount.target === "/etc/pytarchive/pytarchive.conf",
      );
      expect(config?.readOnly, `${name} reads the site's pytarchive.conf`).toBe(true);
    }
  });

  it("gives the network drives read-only to every container but the one that restores into them", async () => {
    const { services } = await resolvedCompose();
    const writers = Object.entries(services)
      .filter(([, service]) =>
        mountsOf(service).some((mount) => mount.target === "/srv/projects" && !mount.readOnly),
      )
      .map(([name]) => name);
    expect(writers).toEqual(["ltfs"]);
  });

  it("builds its image with the README's npm set and the Debian packages the README installs", () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8");
    const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const setUp = /^apt-get update && apt-get install -y ([^&\n]+)&& npm ci /m.exec(readme);
    expect(setUp, "the README's set-up line").not.toBeNull();
    expect(dockerfile).toMatch(/^RUN npm ci( |$)/m);
    expect(dockerfile).toMatch(/^COPY package\.json package-lock\.json /m);
    const imagePackages =
      /apt-get install -y --no-install-recommends ([^\n&]+)/.exec(dockerfile)?.[1]?.split(/\s+/) ??
      [];
    // nats-server runs in its own container; the rest are test tools the services never call.
    const notInImage = new Set(["nats-server", "prometheus", "chromium", "docker-compose"]);
    for (const pkg of (setUp?.[1] ?? "")
      .trim()
      .split(/\s+/)
      .filter((name) => !notInImage.has(name))) {
      expect(imagePackages, `${pkg} from the README's set-up line`).toContain(pkg);
    }
  });
});

describe("infra/compose/write-secrets.ts", () => {
  it("writes a 0600 credentials file per NATS user and a nats-server.conf that nats-server accepts, keeping passwords on a re-run", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "pyt-compose-")), "secrets");
    const first = writeComposeSecrets(dir, "default");
    for (const user of NATS_USERS) {
      const file = first.credentialFiles[user];
      expect(statSync(file).mode & 0o077, file).toBe(0);
      expect(readCredentialsFile(file).user).toBe(user);
    }
    const check = await runCommand("nats-server", ["-t", "-c", first.natsServerConfig]);
    expect(check.exitCode, check.stderr + check.stdout).toBe(0);
    const password = readCredentialsFile(first.credentialFiles.gateway).password;
    const second = writeComposeSecrets(dir, "default");
    expect(readCredentialsFile(second.credentialFiles.gateway).password).toBe(password);
    expect(readFileSync(second.natsServerConfig, "utf8")).toContain(password);
  });
});
