import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import { type EgressWorker, PRIVATE_DESTINATIONS, renderSquidConfig } from "../../lib/render/squid";
import { hasCommand, requireComponent } from "../support/requires";
import {
  freePort,
  makeSquidDir,
  openTunnel,
  type RunningSquid,
  sendToProxy,
  startSquid,
  startTargets,
  type Targets,
} from "./squid-harness";

// Worker addresses are loopback addresses the test uses as its source, standing for slot addresses.
const ALICE = "127.0.0.2";
const BOB = "127.0.0.3";
const CAROL = "127.0.0.4";
const STRANGER = "127.0.0.9";

const WORKERS: EgressWorker[] = [
  {
    slug: "alice",
    address: ALICE,
    egressDomains: [".alpha.example.test", "inside.example.test"],
    browser: true,
  },
  { slug: "bob", address: BOB, egressDomains: ["beta.example.test"], browser: true },
  { slug: "carol", address: CAROL, egressDomains: ["alpha.example.test"], browser: false },
];

describe("egress proxy (real Squid on loopback)", () => {
  let targets: Targets | undefined;
  let squid: RunningSquid | undefined;
  let render: (workers: EgressWorker[]) => string;

  before(async () => {
    // Without squid each test below skips (or, in CI, fails) through requireComponent.
    if (!hasCommand("squid")) return;
    targets = await startTargets();
    const dir = makeSquidDir();
    const hostsFile = path.join(dir, "hosts");
    const names = ["alpha.example.test", "www.alpha.example.test", "beta.example.test"];
    fs.writeFileSync(
      hostsFile,
      [
        ...[...names, "gamma.example.test", "other.example.test"].map(
          (n) => `${targets!.address} ${n}`,
        ),
        // An allowed name pointing into the cell: the proxy must refuse it after resolution.
        "10.210.0.3 inside.example.test",
        "",
      ].join("\n"),
    );
    const port = await freePort();
    render = (workers) =>
      renderSquidConfig({
        workers,
        port,
        listenAddress: "127.0.0.1",
        hostsFile,
        pidFile: path.join(dir, "squid.pid"),
        // The targets live on loopback here; every other private range stays blocked as in production.
        blockedDestinations: PRIVATE_DESTINATIONS.filter((r) => r !== "127.0.0.0/8"),
        shutdownSeconds: 0,
      });
    squid = await startSquid(dir, port, render(WORKERS));
  });

  after(async () => {
    await squid?.stop();
    await targets?.close();
    if (squid) fs.rmSync(squid.dir, { recursive: true, force: true });
  });

  async function running(t: TestContext): Promise<RunningSquid | undefined> {
    return (await requireComponent(t, "squid", () => hasCommand("squid"))) ? squid : undefined;
  }

  async function statusOf(source: string, target: string): Promise<number> {
    const tunnel = await openTunnel(squid!.port, source, target);
    tunnel.socket.destroy();
    return tunnel.status;
  }

  test("tunnels a worker to its templates' domain on 443", async (t) => {
    const proxy = await running(t);
    if (!proxy) return;
    const tunnel = await openTunnel(proxy.port, ALICE, "www.alpha.example.test:443");
    assert.equal(tunnel.status, 200);
    assert.equal(await tunnel.echo("hello"), "443:hello");
    tunnel.socket.destroy();
  });

  test("denies a domain outside the worker's templates", async (t) => {
    const proxy = await running(t);
    if (!proxy) return;
    assert.equal(await statusOf(ALICE, "other.example.test:443"), 403);
  });

  test("denies an IP-literal destination even on 443", async (t) => {
    const proxy = await running(t);
    if (!proxy) return;
    assert.equal(await statusOf(ALICE, `${targets!.address}:443`), 403);
  });

  test("denies an allowed domain on port 80 and on port 8443", async (t) => {
    const proxy = await running(t);
    if (!proxy) return;
    assert.equal(await statusOf(ALICE, "alpha.example.test:80"), 403);
    assert.equal(await statusOf(ALICE, "alpha.example.test:8443"), 403);
  });

  test("denies plain HTTP through the proxy", async (t) => {
    const proxy = await running(t);
    if (!proxy) return;
    const request = "GET http://alpha.example.test/ HTTP/1.1\r\nHost: alpha.example.test\r\n\r\n";
    const reply = await sendToProxy(proxy.port, ALICE, request);
    reply.socket.destroy();
    assert.equal(reply.status, 403);
  });

  test("denies an allowed name that resolves into the cell", async (t) => {
    const proxy = await running(t);
    if (!proxy) return;
    assert.equal(await statusOf(ALICE, "inside.example.test:443"), 403);
  });

  test("denies worker B the domains of worker A while B reaches its own", async (t) => {
    const proxy = await running(t);
    if (!proxy) return;
    assert.equal(await statusOf(BOB, "alpha.example.test:443"), 403);
    assert.equal(await statusOf(BOB, "beta.example.test:443"), 200);
  });

  test("denies everything to a worker without a browser template", async (t) => {
    const proxy = await running(t);
    if (!proxy) return;
    assert.equal(await statusOf(CAROL, "alpha.example.test:443"), 403);
    assert.equal(await statusOf(CAROL, "beta.example.test:443"), 403);
  });

  test("denies an address that belongs to no worker", async (t) => {
    const proxy = await running(t);
    if (!proxy) return;
    assert.equal(await statusOf(STRANGER, "alpha.example.test:443"), 403);
  });

  test("logs each decision to stdout", async (t) => {
    const proxy = await running(t);
    if (!proxy) return;
    const log = proxy.accessLog();
    assert.match(
      log,
      new RegExp(`${ALICE.replace(/\./g, "\\.")} TCP_TUNNEL/200 .*CONNECT www\\.alpha`),
    );
    assert.match(log, new RegExp(`${BOB.replace(/\./g, "\\.")} TCP_DENIED/403 .*CONNECT alpha`));
  });

  test("keeps an open tunnel open across a reconfigure that changes the allowlists", async (t) => {
    const proxy = await running(t);
    if (!proxy) return;
    const open = await openTunnel(proxy.port, ALICE, "alpha.example.test:443");
    assert.equal(await open.echo("before"), "443:before");
    assert.equal(await statusOf(BOB, "gamma.example.test:443"), 403);

    const bob = { ...WORKERS[1], egressDomains: ["beta.example.test", "gamma.example.test"] };
    proxy.reconfigure(render([WORKERS[0], bob, WORKERS[2]]));
    assert.equal(await waitForStatus(BOB, "gamma.example.test:443", 200), 200);

    assert.equal(await open.echo("after"), "443:after");
    open.socket.destroy();
  });

  async function waitForStatus(source: string, target: string, want: number): Promise<number> {
    let status = 0;
    // Squid closes its listening port for a moment while it reloads; new connections are refused then.
    for (let i = 0; i < 50 && status !== want; i++) {
      status = await statusOf(source, target).catch(() => 0);
      if (status !== want) await new Promise((r) => setTimeout(r, 200));
    }
    return status;
  }
});
