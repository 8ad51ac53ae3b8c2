import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { PORTS, WORKER_UID } from "../../lib/cell-contract";
import { WORKER_PIDS_LIMIT } from "../../lib/render/worker-spec";
import { dockerAvailable, hasCommand, inCI, requireComponent } from "../support/requires";
import { type CellUnderTest, startCellUnderTest } from "./cell-under-test";
import { docker, ensureWorkerImage, invokeTool, sh, tcpProbe, waitForHealth } from "./harness";

// The program's health check runs every 30 s, so "healthy" comes one interval after the gateway is up.
const HEALTHY_WITHIN_MS = 300_000;

describe("a worker started from the program's spec", { timeout: 900_000 }, () => {
  let cell: CellUnderTest | undefined;
  let health = "";

  before(async () => {
    const ready = dockerAvailable() && hasCommand("iptables") && process.getuid?.() === 0;
    if (!ready) {
      if (inCI) throw new Error("docker, iptables and root are required in CI");
      return;
    }
    await ensureWorkerImage();
    cell = await startCellUnderTest();
    health = await waitForHealth(cell.worker, HEALTHY_WITHIN_MS);
  });

  after(async () => {
    await cell?.cleanup.run();
  });

  /** Skips (outside CI) when the machine has no docker, iptables or root; returns the cell. */
  async function needCell(t: import("node:test").TestContext): Promise<CellUnderTest | undefined> {
    const present = await requireComponent(
      t,
      "docker with iptables as root",
      () => cell !== undefined,
    );
    return present ? cell : undefined;
  }

  const inWorker = (c: CellUnderTest, ...cmd: string[]) => sh("docker", ["exec", c.worker, ...cmd]);
  const probeFromWorker = async (c: CellUnderTest, host: string, port: number) =>
    (await inWorker(c, ...tcpProbe(host, port))).stdout.trim();

  test("goes healthy", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    if (health !== "running/healthy") {
      const logs = await sh("docker", ["logs", "--tail", "40", c.worker]);
      assert.fail(`worker is ${health}; last logs:\n${logs.stdout}${logs.stderr}`);
    }
  });

  test("runs every process as the worker user with no capability and no new privileges", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    const script =
      'for s in /proc/[0-9]*/status; do awk \'/^(Uid|CapEff|CapPrm|NoNewPrivs):/{printf "%s %s ", $1, $2} END{print ""}\' $s; done';
    const { stdout } = await inWorker(c, "sh", "-c", script);
    const lines = stdout
      .trim()
      .split("\n")
      .filter((l) => l.includes("CapEff"));
    assert.ok(lines.length >= 5, `expected the worker's processes, got:\n${stdout}`);
    for (const line of lines) {
      assert.match(line, new RegExp(`Uid: ${WORKER_UID}\\b`), line);
      assert.match(line, /CapEff: 0{16}\b/, line);
      assert.match(line, /CapPrm: 0{16}\b/, line);
      assert.match(line, /NoNewPrivs: 1\b/, line);
    }
  });

  test("has a read-only root and writable tmpfs where OpenClaw writes", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    const root = await inWorker(c, "sh", "-c", "touch /usr/local/probe");
    assert.notEqual(root.code, 0);
    assert.match(root.stderr, /Read-only file system/);
    for (const dir of ["/tmp", "/data"]) {
      const writable = await inWorker(c, "sh", "-c", `touch ${dir}/probe && rm ${dir}/probe`);
      assert.equal(writable.code, 0, `${dir}: ${writable.stderr}`);
    }
  });

  test("carries the plan's memory limit in its cgroup", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    const { stdout } = await inWorker(
      c,
      "sh",
      "-c",
      cgroupFile("memory.max", "memory/memory.limit_in_bytes"),
    );
    assert.equal(Number(stdout.trim()), c.memoryMb * 1024 * 1024);
  });

  test("reaches the model gateway at its fixed address", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    assert.equal(
      await probeFromWorker(c, c.modelGateway.address, c.modelGateway.port),
      "connected",
    );
  });

  test("reaches no other worker, not the host, and nothing on another network", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    const blocked = ["timeout", "refused", "EHOSTUNREACH", "ENETUNREACH"];
    const otherWorker = await probeFromWorker(c, c.addresses.otherWorker, PORTS.gateway);
    assert.ok(blocked.includes(otherWorker), `another worker: ${otherWorker}`);
    const host = await probeFromWorker(c, c.addresses.host, c.hostPort);
    assert.ok(blocked.includes(host), `the host: ${host}`);
    const elsewhere = await probeFromWorker(c, c.target.address, c.target.port);
    assert.ok(blocked.includes(elsewhere), `a container on another network: ${elsewhere}`);
    // The targets themselves answer: the host can reach the one on the other network.
    const fromHost = await sh(process.execPath, tcpProbe(c.target.address, c.target.port).slice(1));
    assert.equal(fromHost.stdout.trim(), "connected");
  });

  test("seeds the exec allowlist with exactly its templates' commands", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    const { stdout } = await inWorker(
      c,
      "sh",
      "-c",
      "HOME=/tmp/instantworker OPENCLAW_CONFIG_PATH=/tmp/instantworker/openclaw.json openclaw approvals get --json",
    );
    const snapshot = JSON.parse(stdout.slice(stdout.indexOf("{")));
    const patterns = snapshot.file.agents.main.allowlist.map((e: { pattern: string }) => e.pattern);
    assert.deepEqual(patterns.sort(), [...c.execCommands].sort());
  });

  test("keeps the model key out of its config file and its logs", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    const config = await inWorker(c, "cat", "/tmp/instantworker/openclaw.json");
    assert.match(config.stdout, /"apiKey": "\$\{IW_MODEL_KEY\}"/);
    assert.equal(config.stdout.includes(c.modelKey), false);
    const logs = await sh("docker", ["logs", c.worker]);
    assert.equal(`${logs.stdout}${logs.stderr}`.includes(c.modelKey), false);
  });

  test("lets the edge in with the worker's own user", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    assert.equal(await askGateway(c, c.containers.edge, c.userId), 200);
  });

  test("refuses a request from the edge without the identity header", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    assert.equal(await askGateway(c, c.containers.edge, undefined), 401);
  });

  test("refuses a request from the edge carrying another user's identity", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    assert.equal(await askGateway(c, c.containers.edge, randomUUID()), 401);
  });

  test("refuses the worker's own user from an address that is not the edge's", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    const status = await askGateway(c, c.containers.stranger, c.userId);
    assert.ok(status === 401 || status === 403, `status ${status}`);
    const local = await askGateway(c, c.worker, c.userId, "127.0.0.1");
    assert.ok(local === 401 || local === 403, `from the worker's own loopback: ${local}`);
  });

  test("starts Chromium on its display under this confinement", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    const started = await invokeTool(c.containers.edge, c.addresses.worker, c.userId, "browser", {
      action: "start",
    });
    assert.equal(started.status, 200, started.body.slice(0, 300));
    assert.match(started.body, /\\"running\\": true/);
    const { stdout } = await inWorker(c, "sh", "-c", "cat /proc/[0-9]*/comm");
    assert.ok(stdout.split("\n").includes("chromium"), "no chromium process");
  });

  test("serves noVNC to the edge and keeps the VNC server on loopback", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    const url = `http://${c.addresses.worker}:${PORTS.novnc}/vnc.html`;
    const js = `fetch(${JSON.stringify(url)}).then(r=>console.log(r.status),e=>console.log(0))`;
    const page = await sh("docker", ["exec", c.containers.edge, "node", "-e", js]);
    assert.equal(page.stdout.trim(), "200");
    // /proc/net/tcp lists listeners as hex address:port; 5900 is 170C, 127.0.0.1 is 0100007F.
    const { stdout } = await inWorker(c, "sh", "-c", "awk '$4==\"0A\"{print $2}' /proc/net/tcp");
    const vnc = stdout.split("\n").filter((l) => l.endsWith(":170C"));
    assert.deepEqual(vnc, ["0100007F:170C"]);
  });

  test("stops a fork loop at the pids limit", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    // dash gives up at the first failed fork; the sleeps it did start end by themselves.
    const loop =
      `${cgroupFile("pids.max", "pids/pids.max")}; ` +
      "(i=0; while [ $i -lt 400 ]; do sleep 4 & i=$((i+1)); done) 2>/tmp/fork-errors; " +
      `${cgroupFile("pids.current", "pids/pids.current")}; grep -c 'fork' /tmp/fork-errors; ` +
      "rm -f /tmp/fork-errors; sleep 5";
    const { stdout } = await inWorker(c, "sh", "-c", loop);
    const [max, current, failures] = stdout.trim().split("\n");
    assert.equal(max, String(WORKER_PIDS_LIMIT));
    assert.ok(Number(current) <= WORKER_PIDS_LIMIT, `pids.current ${current}`);
    assert.ok(Number(failures) > 0, "no fork failed");
  });

  // Last: it ends the worker's processes on purpose.
  test("ends the whole worker when one of its processes dies", async (t) => {
    const c = await needCell(t);
    if (!c) return;
    const before = Number(await docker("inspect", "-f", "{{.RestartCount}}", c.worker));
    await inWorker(
      c,
      "sh",
      "-c",
      'for d in /proc/[0-9]*; do [ "$(cat $d/comm)" = Xvfb ] && kill ${d#/proc/}; done',
    );
    let restarts = before;
    for (let i = 0; i < 60 && restarts === before; i++) {
      await new Promise((r) => setTimeout(r, 500));
      restarts = Number(await docker("inspect", "-f", "{{.RestartCount}}", c.worker));
    }
    assert.equal(restarts, before + 1);
    const logs = await sh("docker", ["logs", c.worker]);
    assert.match(logs.stdout, /"event":"process-died"[^\n]*"process":"xvfb"/);
  });
});

async function askGateway(
  c: CellUnderTest,
  from: string,
  user: string | undefined,
  address = c.addresses.worker,
): Promise<number> {
  return (await invokeTool(from, address, user, "session_status", {})).status;
}

/** Reads a cgroup file whether the engine uses cgroup v2 (unified) or v1 (one tree per controller). */
function cgroupFile(v2: string, v1: string): string {
  return `cat /sys/fs/cgroup/${v2} 2>/dev/null || cat /sys/fs/cgroup/${v1}`;
}
