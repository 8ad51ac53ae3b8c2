import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { dockerAvailable, requireComponent } from "../support/requires";
import { workerEnvVars } from "../render-openclaw/fixtures";
import { WORKER_IMAGE, docker, ensureWorkerImage, sh } from "./harness";

const pinned = JSON.parse(
  readFileSync(path.resolve(__dirname, "../../images/worker/package.json"), "utf8"),
).dependencies.openclaw as string;

const inImage = (...cmd: string[]) =>
  sh("docker", [
    "run",
    "--rm",
    "--network",
    "none",
    "--entrypoint",
    "sh",
    WORKER_IMAGE,
    "-c",
    ...cmd,
  ]);

describe("the worker image", { timeout: 1_500_000 }, () => {
  let built = false;

  before(async () => {
    if (!dockerAvailable()) return;
    await ensureWorkerImage();
    built = true;
  });

  const needImage = (t: import("node:test").TestContext) =>
    requireComponent(t, "docker", () => built);

  test("builds from the local base and runs as the worker user under tini", async (t) => {
    if (!(await needImage(t))) return;
    const config = JSON.parse(
      await docker("image", "inspect", "-f", "{{json .Config}}", WORKER_IMAGE),
    );
    assert.equal(config.User, "10001:10001");
    assert.deepEqual(config.Entrypoint.slice(0, 3), ["/usr/bin/tini", "-g", "--"]);
    assert.match(config.Healthcheck.Test.join(" "), /127\.0\.0\.1:18789\/healthz/);
    assert.equal(config.Labels["org.opencontainers.image.title"], "instantworker-worker");
    assert.equal(config.Labels["io.instantworker.openclaw.version"], pinned);
  });

  test("runs the OpenClaw release its lock file pins", async (t) => {
    if (!(await needImage(t))) return;
    const { stdout } = await inImage("openclaw --version");
    assert.match(stdout, new RegExp(`^OpenClaw ${pinned.replace(/\./g, "\\.")} `));
  });

  test("holds the browser, display, VNC and noVNC programs", async (t) => {
    if (!(await needImage(t))) return;
    const check =
      "for p in chromium Xvfb x11vnc websockify tini; do command -v $p >/dev/null || echo missing $p; done; " +
      "test -f /usr/share/novnc/vnc.html || echo missing novnc";
    const { stdout, code } = await inImage(check);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), "");
  });

  test("keeps the build's extra CA out of the final image", async (t) => {
    if (!(await needImage(t))) return;
    const { stdout } = await inImage(
      "find / -xdev -name 'extra-ca.pem' 2>/dev/null; echo \"$NODE_EXTRA_CA_CERTS\"",
    );
    assert.equal(stdout.trim(), "");
    const history = await docker(
      "history",
      "--no-trunc",
      "--format",
      "{{.CreatedBy}}",
      WORKER_IMAGE,
    );
    assert.equal(history.includes("BEGIN CERTIFICATE"), false);
  });

  test("serves the InstantWorker branding from the control UI", async (t) => {
    if (!(await needImage(t))) return;
    const ui = "/opt/openclaw/node_modules/openclaw/dist/control-ui";
    const { stdout } = await inImage(`cat ${ui}/index.html; cat ${ui}/instantworker-branding.css`);
    assert.match(stdout, /<link rel="stylesheet" href="\.\/instantworker-branding\.css"/);
    assert.match(stdout, /<title>InstantWorker<\/title>/);
    assert.match(stdout, /--accent: #6d28d9;/);
    assert.match(stdout, /\.sidebar-shell,/);
  });

  test("refuses to start with a bad environment, naming the variable", async (t) => {
    if (!(await needImage(t))) return;
    const vars = workerEnvVars({ IW_EDGE_PROXY: "edge.example.com" });
    const env = Object.entries(vars).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const result = await sh("docker", [
      "run",
      "--rm",
      "--network",
      "none",
      "--read-only",
      ...env,
      WORKER_IMAGE,
    ]);
    assert.equal(result.code, 78);
    const events = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      events.map((e) => [e.event, e.problem]),
      [["bad-environment", "`IW_EDGE_PROXY` is `edge.example.com`; expected an IPv4 address"]],
    );
    assert.equal(result.stdout.includes(vars.IW_MODEL_KEY), false);
  });
});
