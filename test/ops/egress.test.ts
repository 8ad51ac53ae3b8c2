import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test, type TestContext } from "node:test";
import { webhookSink } from "../../ops/alerts";
import { parseCellFile } from "../../ops/cell-file";
import { memoryLogger } from "../../ops/log";
import { parseDenial, runEgress } from "../../ops/monitors/egress";
import { hasCommand, requireComponent } from "../support/requires";
import { assertAlertShape, startReceiver } from "./support/receiver";

// The cell's workers subnet is set to loopback here so that a real Squid on 127.0.0.1 sees each "worker"
// at its slot address: the test client binds 127.0.0.16 + slot as its source, as a worker's packets
// carry its fixed address on the workers bridge.
const cell = parseCellFile(
  JSON.stringify({
    cell: "egress-cell",
    workersSubnet: "127.0.0.0/22",
    workers: [
      { slug: "ann-w", slot: 1, state: "active" },
      { slug: "bob-w", slot: 2, state: "active" },
    ],
  }),
  "test",
);

let dir = "";
let squid: ChildProcess | undefined;
let port = 0;

function connect(source: string, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress: source }, () =>
      socket.write(`CONNECT ${target}:443 HTTP/1.1\r\nHost: ${target}:443\r\n\r\n`),
    );
    let answer = "";
    socket.on("data", (d) => {
      answer += d.toString();
      if (answer.includes("\r\n\r\n")) socket.end();
    });
    socket.on("close", () => resolve(answer.split("\r\n")[0]));
    socket.on("error", reject);
  });
}

async function startSquid(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), "iw-squid-"));
  chmodSync(dir, 0o777);
  port = 20000 + Math.floor(Math.random() * 20000);
  const conf = join(dir, "squid.conf");
  writeFileSync(
    conf,
    [
      `http_port 127.0.0.1:${port}`,
      "http_access deny all",
      `access_log stdio:${dir}/access.log`,
      `cache_log ${dir}/cache.log`,
      `pid_filename ${dir}/squid.pid`,
      `coredump_dir ${dir}`,
      "cache deny all",
      "cache_mem 0 MB",
      "pinger_enable off",
      "visible_hostname egress-test",
      "logfile_rotate 0",
      "shutdown_lifetime 1 seconds",
      "",
    ].join("\n"),
  );
  squid = spawn("squid", ["-N", "-f", conf], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => (s.destroy(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`squid did not listen on ${port}; see ${dir}/cache.log`);
}

async function stopSquid(): Promise<void> {
  if (!squid || squid.exitCode !== null) return;
  const exited = new Promise((resolve) => squid!.once("exit", resolve));
  squid.kill("SIGTERM");
  await exited;
}

let ready = false;
before(async () => {
  if (!hasCommand("squid")) return;
  await startSquid();
  ready = true;
});
after(async () => {
  await stopSquid();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
const gate = (t: TestContext) => requireComponent(t, "squid", () => ready);

test("reports refusals per worker from a real Squid access log", async (t) => {
  if (!(await gate(t))) return;
  assert.match(await connect("127.0.0.17", "exfil.example"), / 403 /);
  for (let i = 0; i < 3; i++) await connect("127.0.0.18", "miner.example");
  await connect("127.0.0.99", "stray.example");
  await stopSquid();
  assert.ok(existsSync(join(dir, "access.log")));

  const receiver = await startReceiver();
  try {
    const log = memoryLogger();
    const state = join(dir, "egress-state.json");
    const run = () =>
      runEgress({
        cell,
        accessLog: join(dir, "access.log"),
        statePath: state,
        sink: webhookSink(receiver.url, log),
        log,
      });
    assert.equal(await run(), 3);
    const bySlug = new Map(receiver.received.map((r) => [r.body.slug, r.body]));
    assert.equal((bySlug.get("ann-w")!.details as { denied: number }).denied, 1);
    assert.equal(bySlug.get("ann-w")!.excerpt, "exfil.example (1)");
    assert.equal((bySlug.get("bob-w")!.details as { denied: number }).denied, 3);
    assert.equal(bySlug.get(null)!.kind, "egress-denied-unknown-source");
    for (const { body } of receiver.received)
      assert.deepEqual(assertAlertShape(body, "egress-cell"), []);
    assert.equal(await run(), 0, "the same lines are not reported twice");
  } finally {
    await receiver.close();
  }
});

test("ignores requests the proxy let through", () => {
  const allowed =
    "1764770000.123    210 10.210.0.17 TCP_TUNNEL/200 5120 CONNECT x.com:443 - HIER_DIRECT/1.2.3.4 -";
  assert.equal(parseDenial(allowed), undefined);
  assert.deepEqual(
    parseDenial(
      "1764770000.123 0 10.210.0.17 TCP_DENIED/403 3900 CONNECT evil.example:443 - HIER_NONE/- text/html",
    ),
    {
      address: "10.210.0.17",
      destination: "evil.example",
    },
  );
});
