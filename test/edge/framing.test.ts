/**
 * Framing in a real headless Chromium: a dashboard page on loopback frames a worker hostname through the
 * real Caddy and gatekeeper (STAND-IN worker behind them), and a page from another origin of the same
 * site tries the same. Hostnames resolve to loopback through Chromium's host resolver rules.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { after, before, test } from "node:test";
import { type Browser, chromium } from "playwright-core";
import { freePort } from "../support/ports";
import { hasCommand, requireComponent } from "../support/requires";
import {
  type RunningEdge,
  type StandInWorker,
  startEdge,
  startStandInWorker,
  ZONE,
} from "./harness";

const ARTIFACTS = path.resolve(__dirname, "../../test-artifacts");
const CHROMIUM = "/usr/bin/chromium";

let edge: RunningEdge | undefined;
let alice: StandInWorker | undefined;
let browser: Browser | undefined;
const pages: https.Server[] = [];

/** Serves one HTML page over HTTPS with the run's certificate, built per request so tickets are fresh. */
async function servePage(port: number, html: () => string): Promise<void> {
  const tls = { cert: readFileSync(edge!.tls.cert), key: readFileSync(edge!.tls.key) };
  const server = https.createServer(tls, (_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(html());
  });
  pages.push(server);
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
}

const framePage = (title: string, src: string) =>
  `<!doctype html><title>${title}</title><h1>${title}</h1>` +
  `<iframe id="worker" src="${src}" width="800" height="400"></iframe>`;

let dashboard = "";
let other = "";
let ready = false;

before(async (t) => {
  if (!(await requireComponent(t as never, "caddy", () => hasCommand("caddy")))) return;
  if (!(await requireComponent(t as never, "chromium", () => hasCommand(CHROMIUM)))) return;
  const [dashPort, otherPort] = [await freePort(), await freePort()];
  dashboard = `https://dash.${ZONE}:${dashPort}`;
  other = `https://other.${ZONE}:${otherPort}`;
  alice = await startStandInWorker("alice");
  edge = await startEdge([alice], { dashboardOrigin: dashboard });
  const workerUrl = `https://${alice.host}:${edge.httpsPort}`;
  await servePage(dashPort, () =>
    framePage("dashboard", `${workerUrl}/_iw/session?ticket=${edge!.mint(alice!)}`),
  );
  await servePage(otherPort, () => framePage("other origin", `${workerUrl}/`));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
      ...["--disable-background-networking", "--disable-component-update", "--disable-sync"],
      `--host-resolver-rules=MAP *.${ZONE} 127.0.0.1`,
      "--ignore-certificate-errors",
    ],
  });
  ready = true;
});

after(async () => {
  await browser?.close();
  await Promise.all(pages.map((s) => new Promise((r) => s.close(r))));
  await edge?.stop();
  await alice?.close();
});

test("the dashboard frames the worker and another origin cannot", async (t) => {
  if (!ready) return t.skip("caddy or chromium is not available here");
  const context = await browser!.newContext({ viewport: { width: 900, height: 560 } });
  const page = await context.newPage();
  await page.goto(`${dashboard}/`);
  const framed = page.frameLocator("#worker");
  await framed.locator("#marker").waitFor({ timeout: 15_000 });
  assert.equal(await framed.locator("#marker").textContent(), "stand-in worker alice");
  assert.equal(await framed.locator("#user").textContent(), alice!.userId);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, "edge-dashboard-frames-worker.png") });

  // Same browser, same cookie jar: the worker would answer, so only frame-ancestors can stop it.
  const otherPage = await context.newPage();
  const served = otherPage.waitForResponse((r) => r.url().startsWith(`https://${alice!.host}`));
  await otherPage.goto(`${other}/`);
  assert.equal((await served).status(), 200);
  await otherPage.waitForTimeout(500);
  const frame = otherPage.frames().find((f) => f !== otherPage.mainFrame());
  const text = await frame!.evaluate(() => document.body?.innerText ?? "").catch(() => "");
  assert.doesNotMatch(text, /stand-in worker/);
  assert.equal(await otherPage.locator("h1").textContent(), "other origin");
  await otherPage.screenshot({ path: path.join(ARTIFACTS, "edge-other-origin-blocked.png") });
  await context.close();
});
