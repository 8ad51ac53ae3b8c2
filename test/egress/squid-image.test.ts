/**
 * The egress proxy image on the real Docker engine, run with the container spec the component declares,
 * the production config rendering, and the host's push script. The network is one the test creates in
 * the benchmarking range 198.18.0.0/15, so the target counts as public and no private-range rule hides
 * a mistake; nothing on it reaches beyond this machine (the network is internal).
 */
import assert from "node:assert/strict";
import {
  type ChildProcessWithoutNullStreams,
  execFileSync,
  spawn,
  spawnSync,
} from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import { EgressProxy, renderConfigPushScript } from "../../components/egress-proxy";
import { parseCidr } from "../../lib/net";
import { dockerAvailable, requireComponent } from "../support/requires";
import { declareUnderMocks } from "../model-gateway/declare";
import { dockerRunFlags } from "./docker-flags";

const BASE = "instantworker/debian:bookworm-local";
const NODE = "instantworker/node:24-bookworm-local";
const suffix = randomBytes(4).toString("hex");
const names = {
  image: `iw-squid-test:${suffix}`,
  network: `iw-t-egress-${suffix}`,
  squid: `iw-t-squid-${suffix}`,
  target: `iw-t-target-${suffix}`,
};

function docker(...args: string[]): string {
  return execFileSync("docker", args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

function imagesPresent(): boolean {
  if (!dockerAvailable()) return false;
  return docker("images", "-q", BASE) !== "" && docker("images", "-q", NODE) !== "";
}

describe("egress proxy image (real Docker)", () => {
  let ready = false;
  let subnet = "";
  let dir = "";
  const at = (offset: number) => subnet.replace(/0\/24$/, String(offset));
  const slot = (n: number) => ({ slug: n === 0 ? "alice" : "bob-b", slot: n, browser: true });

  async function declaredConfig(domainsForBob: string[]) {
    const roster = [
      { ...slot(0), egressDomains: ["target.example.test"] },
      { ...slot(1), egressDomains: domainsForBob },
    ];
    let proxy: EgressProxy | undefined;
    const resources = await declareUnderMocks(() => {
      proxy = new EgressProxy("egress", {
        cell: "test",
        host: { kind: "local" },
        image: names.image,
        workers: parseCidr(subnet)!,
        networks: { workers: names.network, egress: names.network },
        configDir: dir,
        roster,
      });
    });
    const container = resources.find((r) => r.type === "docker:index/container:Container")!;
    return { config: proxy!.config, container: container.inputs };
  }

  function push(config: string) {
    const script = renderConfigPushScript(dir, config, names.squid);
    return execFileSync("bash", ["-c", script], { input: config, encoding: "utf8", stdio: "pipe" });
  }

  before(async () => {
    if (!imagesPresent()) return;
    docker("build", "-q", "-t", names.image, "--build-arg", `BASE_IMAGE=${BASE}`, "images/squid");
    for (let attempt = 0; attempt < 5 && !subnet; attempt++) {
      const candidate = `198.${randomInt(18, 20)}.${randomInt(0, 256)}.0/24`;
      try {
        docker("network", "create", "--internal", "--subnet", candidate, names.network);
        subnet = candidate;
      } catch {
        // Taken by another network on this engine; try another.
      }
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "iw-egress-image-"));
    fs.chmodSync(dir, 0o755);
    const { config, container } = await declaredConfig(["other.example.test"]);
    push(config);
    docker(
      "run",
      "-d",
      "--network",
      names.network,
      "--ip",
      at(100),
      "--network-alias",
      "target.example.test",
      "--name",
      names.target,
      NODE,
      "node",
      "-e",
      ECHO_SERVER,
    );
    docker(
      "run",
      "-d",
      ...dockerRunFlags(container, { name: names.squid, network: names.network }),
    );
    ready = await waitForLog(names.squid, "Accepting HTTP Socket connections");
  });

  after(() => {
    for (const c of [names.squid, names.target]) tryDocker("rm", "-f", c);
    tryDocker("network", "rm", names.network);
    tryDocker("rmi", names.image);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function running(t: TestContext): Promise<boolean> {
    if (!(await requireComponent(t, "docker with the local base images", imagesPresent)))
      return false;
    assert.ok(ready, "the egress proxy container did not come up in before()");
    return true;
  }

  function client(source: string, script: string): ChildProcessWithoutNullStreams {
    const proxy = at(4);
    const prelude = `exec 3<>/dev/tcp/${proxy}/3128; tunnel() { printf 'CONNECT %s HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n' "$1" "$1" >&3; IFS= read -r status <&3; echo "status $status"; while IFS= read -r line <&3 && [[ $line != $'\\r' ]]; do :; done; }; say() { printf '%s' "$1" >&3; IFS= read -r -t 5 -N \${#2} reply <&3; echo "reply $reply"; };`;
    return spawn("docker", [
      "run",
      "--rm",
      "-i",
      "--network",
      names.network,
      "--ip",
      source,
      BASE,
      "bash",
      "-c",
      prelude + script,
    ]);
  }

  async function clientOutput(source: string, script: string): Promise<string> {
    const child = client(source, script);
    child.stdin.end();
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    await new Promise((r) => child.on("close", r));
    return out;
  }

  test("runs as the unprivileged proxy account", async (t) => {
    if (!(await running(t))) return;
    assert.equal(docker("exec", names.squid, "id", "-u"), "13");
  });

  test("tunnels a worker to its domain and denies it another worker's", async (t) => {
    if (!(await running(t))) return;
    const allowed = await clientOutput(at(16), `tunnel target.example.test:443; say ping 443:ping`);
    assert.match(allowed, /^status HTTP\/1\.1 200 .*\nreply 443:ping\n$/s);
    const denied = await clientOutput(at(16), "tunnel other.example.test:443");
    assert.match(denied, /^status HTTP\/1\.1 403 /);
  });

  test("logs each decision to the container's stdout", async (t) => {
    if (!(await running(t))) return;
    await clientOutput(at(17), "tunnel target.example.test:443");
    const logs = containerLogs(names.squid);
    assert.match(
      logs,
      new RegExp(`${at(16).replace(/\./g, "\\.")} TCP_TUNNEL/200 .*CONNECT target`),
    );
    assert.match(
      logs,
      new RegExp(`${at(17).replace(/\./g, "\\.")} TCP_DENIED/403 .*CONNECT target`),
    );
  });

  test("reloads a new allowlist in place, keeping the container and an open tunnel", async (t) => {
    if (!(await running(t))) return;
    const startedAt = docker(
      "inspect",
      "-f",
      "{{.State.StartedAt}} {{.RestartCount}}",
      names.squid,
    );
    const open = client(
      at(16),
      "tunnel target.example.test:443; say one! 443:one!; read -r go; say two! 443:two!",
    );
    let out = "";
    open.stdout.on("data", (d) => (out += d));
    await waitFor(() => out.includes("reply 443:one!"));

    push((await declaredConfig(["other.example.test", "target.example.test"])).config);
    const bob = await clientOutput(at(17), "tunnel target.example.test:443");
    assert.match(bob, /^status HTTP\/1\.1 200 /);

    open.stdin.end("go\n");
    await new Promise((r) => open.on("close", r));
    assert.match(out, /reply 443:two!\n$/);
    assert.equal(
      docker("inspect", "-f", "{{.State.StartedAt}} {{.RestartCount}}", names.squid),
      startedAt,
    );
  });

  test("keeps the running config when Squid refuses a new one", async (t) => {
    if (!(await running(t))) return;
    const live = fs.readFileSync(path.join(dir, "squid.conf"), "utf8");
    const broken = `${live}acl broken dstdomain -n .example.test example.test\n`;
    assert.throws(
      () => push(broken),
      (err: { status: number; stderr: string }) => {
        assert.equal(err.status, 1);
        assert.match(
          err.stderr,
          /^egress proxy: Squid refused the new config, the running one stays:\n.*FATAL/s,
        );
        return true;
      },
    );
    assert.equal(fs.readFileSync(path.join(dir, "squid.conf"), "utf8"), live);
    assert.equal(docker("inspect", "-f", "{{.State.Running}}", names.squid), "true");
  });
});

const ECHO_SERVER = `require("net").createServer((s) => { s.on("data", (d) => s.write("443:" + d)); s.on("error", () => {}); }).listen(443)`;

function tryDocker(...args: string[]): void {
  try {
    execFileSync("docker", args, { stdio: "ignore" });
  } catch {
    // Already gone.
  }
}

function containerLogs(container: string): string {
  const run = spawnSync("docker", ["logs", container], { encoding: "utf8" });
  return `${run.stdout}${run.stderr}`;
}

async function waitForLog(container: string, text: string): Promise<boolean> {
  return waitFor(() => containerLogs(container).includes(text));
}

async function waitFor(check: () => boolean, seconds = 20): Promise<boolean> {
  for (let i = 0; i < seconds * 10; i++) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${seconds} s`);
}
