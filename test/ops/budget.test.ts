import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { randomBytes } from "node:crypto";
import { webhookSink } from "../../ops/alerts";
import { parseCellFile } from "../../ops/cell-file";
import { memoryLogger } from "../../ops/log";
import { runBudget, type GatewayKey } from "../../ops/monitors/budget";
import { assertAlertShape, startReceiver } from "./support/receiver";

// STAND-IN: LiteLLM cannot run on this machine (no PyPI, no image registry). This server answers
// `GET /key/list?return_full_object=true` in the shape LiteLLM's admin API documents, paginated, and
// checks the master key, so the monitor's client is exercised over real HTTP.
const masterKey = `sk-${randomBytes(12).toString("hex")}`;
let keys: GatewayKey[] = [];
const seenAuth: string[] = [];
const standIn = http.createServer((req, res) => {
  seenAuth.push(req.headers.authorization ?? "");
  if (req.headers.authorization !== `Bearer ${masterKey}`) return void res.writeHead(401).end();
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname !== "/key/list" || url.searchParams.get("return_full_object") !== "true") {
    return void res.writeHead(404).end();
  }
  const page = Number(url.searchParams.get("page"));
  const size = Number(url.searchParams.get("size"));
  const body = {
    keys: keys.slice((page - 1) * size, page * size),
    total_pages: Math.ceil(keys.length / size),
    current_page: page,
  };
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
});

const cell = parseCellFile(
  JSON.stringify({
    cell: "budget-cell",
    workersSubnet: "10.210.0.0/22",
    workers: ["ann", "bob", "cyd"].map((name, slot) => ({
      slug: `${name}-w`,
      slot,
      state: "active",
    })),
  }),
  "test",
);
const key = (
  slug: string,
  spend: number,
  reset = "2026-12-31T00:00:00Z",
  keyCell = "budget-cell",
): GatewayKey => ({
  key_alias: `iw-${keyCell}-${slug}`,
  spend,
  max_budget: 25,
  budget_reset_at: reset,
  metadata: { cell: keyCell, slug },
});

let adminUrl = "";
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let work = "";
before(async () => {
  await new Promise<void>((resolve) => standIn.listen(0, "127.0.0.1", resolve));
  adminUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
  receiver = await startReceiver();
  work = mkdtempSync(join(tmpdir(), "iw-budget-"));
});
after(async () => {
  standIn.close();
  await receiver.close();
  rmSync(work, { recursive: true, force: true });
});

const check = () => {
  const log = memoryLogger();
  return runBudget({
    cell,
    adminUrl,
    masterKey,
    statePath: join(work, "budget.json"),
    sink: webhookSink(receiver.url, log),
    log,
  });
};

test("warns at 80% and alarms at 100% of a worker's budget, for this cell's workers only", async () => {
  keys = [
    key("ann-w", 21),
    key("bob-w", 26),
    key("cyd-w", 3),
    key("ann-w", 99, undefined, "other-cell"),
  ];
  keys.push(...Array.from({ length: 120 }, (_, i) => key(`gone-${i}`, 24)));
  await check();
  const bodies = receiver.received.map((r) => r.body);
  assert.deepEqual(
    bodies.map((b) => [b.slug, b.kind, b.severity]),
    [
      ["ann-w", "budget-warning", "warning"],
      ["bob-w", "budget-exhausted", "critical"],
    ],
  );
  for (const body of bodies) assert.deepEqual(assertAlertShape(body, "budget-cell"), []);
  assert.equal(
    receiver.received.some((r) => r.raw.includes(masterKey)),
    false,
  );
  assert.ok(seenAuth.length >= 2, "followed the pagination");
});

test("reports each threshold once per budget period", async () => {
  const before = receiver.received.length;
  await check();
  assert.equal(receiver.received.length, before, "nothing new in the same period");
  keys = [key("ann-w", 25.5), key("bob-w", 21, "2027-01-30T00:00:00Z")];
  await check();
  assert.deepEqual(
    receiver.received.slice(before).map((r) => [r.body.slug, r.body.kind]),
    [
      ["ann-w", "budget-exhausted"],
      ["bob-w", "budget-warning"],
    ],
  );
});

test("names the gateway's refusal without the key", async () => {
  const log = memoryLogger();
  await assert.rejects(
    runBudget({
      cell,
      adminUrl,
      masterKey: "sk-wrong",
      statePath: join(work, "b2.json"),
      sink: webhookSink(receiver.url, log),
      log,
    }),
    { message: "the model gateway answered 401 to /key/list" },
  );
});
