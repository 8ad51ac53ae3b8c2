/**
 * The gatekeeper's image on the real Docker engine: it builds on the local base, runs as a non-root user
 * with a read-only root and no capabilities, turns healthy, and stops with one sentence on a bad secret.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { renderHostMap } from "../../gatekeeper/hosts";
import { dockerAvailable, requireComponent } from "../support/requires";

const BASE = process.env.IW_NODE_BASE_IMAGE ?? "instantworker/node:24-bookworm-local";
const suffix = randomBytes(4).toString("hex");
const tag = `instantworker/gatekeeper:test-${suffix}`;
const containers: string[] = [];
let dir = "";
let built = false;

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();

function run(name: string, secretsFile: string): void {
  containers.push(name);
  docker(
    ...["run", "-d", "--name", name, "--read-only", "--cap-drop", "ALL"],
    ...["--security-opt", "no-new-privileges", "--network", "none", "--label", `iw-test=${suffix}`],
    ...[
      "-v",
      `${dir}/config:/config:ro`,
      "-v",
      `${dir}/${secretsFile}:/secrets/gatekeeper.json:ro`,
    ],
    tag,
  );
}

before(async (t) => {
  if (!(await requireComponent(t as never, "docker", dockerAvailable))) return;
  dir = mkdtempSync(path.join(tmpdir(), "iw-gk-image-"));
  execFileSync("bash", [path.resolve(__dirname, "../../images/gatekeeper/build.sh"), tag, BASE], {
    stdio: "ignore",
  });
  built = true;
  execFileSync("mkdir", ["-p", `${dir}/config`]);
  const entry = { host: "alice-worker.iw.test", slug: "alice", userId: randomUUID() };
  writeFileSync(`${dir}/config/hosts.json`, renderHostMap("image-test", [entry]));
  const secret = () => randomBytes(32).toString("base64url");
  writeFileSync(
    `${dir}/good.json`,
    JSON.stringify({ ticketSecret: secret(), cookieSecret: secret() }),
  );
  writeFileSync(
    `${dir}/bad.json`,
    JSON.stringify({ ticketSecret: "too-short", cookieSecret: secret() }),
  );
  for (const file of ["good.json", "bad.json"]) chownSync(`${dir}/${file}`, 10002, 10002);
});

after(() => {
  for (const name of containers) spawnSync("docker", ["rm", "-f", name], { stdio: "ignore" });
  if (built) spawnSync("docker", ["rmi", "-f", tag], { stdio: "ignore" });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("runs as a non-root user on a read-only root and turns healthy", async (t) => {
  if (!built) return t.skip("docker is not available here");
  const name = `iw-gk-test-${suffix}`;
  run(name, "good.json");
  let health = "";
  for (let i = 0; i < 60 && health !== "healthy"; i++) {
    await new Promise((r) => setTimeout(r, 500));
    health = docker("inspect", "-f", "{{.State.Health.Status}}", name);
  }
  assert.equal(health, "healthy", docker("logs", name));
  assert.equal(docker("exec", name, "id", "-u"), "10002");
  assert.equal(
    docker("exec", name, "sh", "-c", "touch /opt/x 2>/dev/null || echo refused"),
    "refused",
  );
  const started = JSON.parse(docker("logs", name).split("\n")[0]);
  assert.deepEqual([started.event, started.cell, started.workers], ["started", "image-test", 1]);
});

test("stops with one sentence and code 78 when a secret is too short", async (t) => {
  if (!built) return t.skip("docker is not available here");
  const name = `iw-gk-test-bad-${suffix}`;
  run(name, "bad.json");
  const code = docker("wait", name);
  const logs = spawnSync("docker", ["logs", name], { encoding: "utf8" });
  assert.equal(code, "78");
  assert.equal(
    logs.stderr.trim(),
    "gatekeeper: the secrets file's `ticketSecret` is missing or shorter than 32 characters",
  );
});
