/**
 * The edge live on loopback: the real Caddy with the rendered Caddyfile and the real gatekeeper process,
 * in front of STAND-IN workers (Node servers playing OpenClaw's gateway and noVNC; OpenClaw itself is
 * tested by the worker image's own suite).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { IDENTITY_HEADER } from "../../lib/cell-contract";
import { hasCommand, requireComponent } from "../support/requires";
import {
  openSession,
  openSocket,
  request,
  type RunningEdge,
  type StandInWorker,
  startEdge,
  startStandInWorker,
  writeHostMap,
} from "./harness";

const DASHBOARD = "https://dash.iw.test:8443";

describe("the edge on loopback", () => {
  let edge: RunningEdge;
  let alice: StandInWorker;
  let bob: StandInWorker;
  let ready = false;

  before(async (t) => {
    if (!(await requireComponent(t as never, "caddy", () => hasCommand("caddy")))) return;
    alice = await startStandInWorker("alice");
    bob = await startStandInWorker("bob");
    edge = await startEdge([alice, bob], { dashboardOrigin: DASHBOARD, sessionRate: "2/5" });
    ready = true;
  });

  after(async () => {
    await edge?.stop();
    await alice?.close();
    await bob?.close();
  });

  test("refuses a request without a session with 401", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const reply = await request(edge, alice.host, "/echo");
    assert.equal(reply.status, 401);
    assert.doesNotMatch(reply.body, /stand-in/);
  });

  test("turns a ticket into a host-only cookie and proxies with the identity header", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const redeemed = await request(edge, alice.host, `/_iw/session?ticket=${edge.mint(alice)}`);
    assert.equal(redeemed.status, 303);
    assert.equal(redeemed.headers.location, "/");
    const setCookie = redeemed.headers["set-cookie"]![0];
    assert.match(setCookie, /^__Host-iw_session=iws1\./);
    for (const attr of ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"]) {
      assert.ok(setCookie.includes(attr), `cookie lacks ${attr}`);
    }
    assert.doesNotMatch(setCookie, /Domain=/i);
    const reply = await request(edge, alice.host, "/echo", { Cookie: setCookie.split(";")[0] });
    assert.equal(reply.status, 200);
    const echoed = JSON.parse(reply.body);
    assert.equal(echoed.worker, "alice");
    assert.equal(echoed.headers[IDENTITY_HEADER.toLowerCase()], alice.userId);
  });

  test("refuses alice's session on bob's hostname", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const cookie = await openSession(edge, alice);
    const reply = await request(edge, bob.host, "/echo", { Cookie: cookie });
    assert.equal(reply.status, 401);
    assert.doesNotMatch(reply.body, /stand-in/);
  });

  test("refuses a ticket for alice redeemed on bob's hostname", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const reply = await request(edge, bob.host, `/_iw/session?ticket=${edge.mint(alice)}`);
    assert.equal(reply.status, 401);
    assert.equal(reply.headers["set-cookie"], undefined);
  });

  test("overwrites an identity header the client sent", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const cookie = await openSession(edge, alice);
    const spoofed = { Cookie: cookie, [IDENTITY_HEADER]: bob.userId };
    const reply = await request(edge, alice.host, "/echo", spoofed);
    assert.equal(JSON.parse(reply.body).headers[IDENTITY_HEADER.toLowerCase()], alice.userId);
    const anonymous = await request(edge, alice.host, "/echo", { [IDENTITY_HEADER]: alice.userId });
    assert.equal(anonymous.status, 401);
  });

  test("refuses a replayed ticket", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const ticket = edge.mint(alice);
    assert.equal((await request(edge, alice.host, `/_iw/session?ticket=${ticket}`)).status, 303);
    const replay = await request(edge, alice.host, `/_iw/session?ticket=${ticket}`);
    assert.equal(replay.status, 401);
    assert.equal(replay.headers["set-cookie"], undefined);
  });

  test("refuses an expired ticket and one signed with another secret", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const now = Math.floor(Date.now() / 1000);
    const expired = edge.mint(alice, { iat: now - 40, exp: now - 1 });
    assert.equal((await request(edge, alice.host, `/_iw/session?ticket=${expired}`)).status, 401);
    const forged = edge
      .mint(alice)
      .replace(/\.[^.]+$/, ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert.equal((await request(edge, alice.host, `/_iw/session?ticket=${forged}`)).status, 401);
  });

  test("answers 429 once a session spends its burst", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const cookie = await openSession(edge, bob);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await request(edge, bob.host, "/echo", { Cookie: cookie })).status);
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.ok(statuses.slice(5).includes(429), `statuses were ${statuses.join(",")}`);
  });

  test("passes a WebSocket upgrade with the identity header", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const cookie = await openSession(edge, alice);
    const socket = openSocket(edge, alice, { Cookie: cookie });
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      socket.on("message", (data) => {
        messages.push(String(data));
        if (messages.length === 1) socket.send("ping");
        else resolve();
      });
      socket.on("error", reject);
    });
    socket.close();
    assert.deepEqual(JSON.parse(messages[0]), { worker: "alice", user: alice.userId });
    assert.equal(messages[1], "echo:ping");
  });

  test("refuses a WebSocket upgrade without a session", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const socket = openSocket(edge, alice, {});
    const status = await new Promise<number>((resolve) => {
      socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      socket.on("open", () => resolve(101));
      socket.on("error", () => resolve(-1));
    });
    socket.terminate();
    assert.equal(status, 401);
  });

  test("routes /vnc/ to the worker's noVNC behind the same gatekeeper", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    assert.equal((await request(edge, alice.host, "/vnc/vnc.html")).status, 401);
    const cookie = await openSession(edge, alice);
    const reply = await request(edge, alice.host, "/vnc/vnc.html", { Cookie: cookie });
    assert.equal(reply.body, "stand-in novnc alice /vnc.html");
  });

  test("drops X-Frame-Options and allows framing by the dashboard only", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const cookie = await openSession(edge, alice);
    const reply = await request(edge, alice.host, "/", { Cookie: cookie });
    assert.equal(reply.headers["x-frame-options"], undefined);
    const csp = String(reply.headers["content-security-policy"]);
    assert.doesNotMatch(csp, /'none'/);
    assert.equal(
      csp.match(/frame-ancestors [^;,]*/g)?.every((d) => d === `frame-ancestors ${DASHBOARD}`),
      true,
    );
    assert.equal(reply.headers["strict-transport-security"], "max-age=31536000");
  });

  test("follows a new host map without a restart", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const cookie = await openSession(edge, alice);
    writeHostMap(edge.dir, [bob]);
    await new Promise((r) => setTimeout(r, 400));
    const removed = await request(edge, alice.host, "/echo", { Cookie: cookie });
    writeHostMap(edge.dir, [alice, bob]);
    await new Promise((r) => setTimeout(r, 400));
    const restored = await request(edge, alice.host, "/echo", { Cookie: cookie });
    assert.equal(removed.status, 401);
    assert.equal(restored.status, 200);
  });

  test("never logs a ticket, a cookie or a secret", async (t) => {
    if (!ready) return t.skip("caddy is not available here");
    const ticket = edge.mint(alice);
    const reply = await request(edge, alice.host, `/_iw/session?ticket=${ticket}`);
    const cookieValue = reply.headers["set-cookie"]![0].split(";")[0].split("=")[1];
    await request(edge, alice.host, "/echo", { Cookie: `__Host-iw_session=${cookieValue}` });
    await new Promise((r) => setTimeout(r, 200));
    const output = edge.output();
    assert.match(output, /"event":"session-opened"/);
    assert.match(output, /_iw\/session/);
    for (const secret of [ticket, ticket.split(".")[2], cookieValue, edge.ticketSecret]) {
      assert.equal(output.includes(secret), false);
    }
  });
});
