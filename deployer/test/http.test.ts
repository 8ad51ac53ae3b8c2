/**
 * The HTTP service on loopback with a real journal: signatures, bad input, deduplication and the
 * read-only endpoints. The reconciler is replaced by a counter: these tests are about intake only.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import Stripe from "stripe";
import { createDeployerServer } from "../src/http";
import { Journal } from "../src/journal";
import { silentLogger } from "../src/log";
import { Metrics } from "../src/metrics";
import { signSupabase } from "../src/supabase";

// Throwaway secrets, generated per run.
const supabaseSecret = crypto.randomBytes(32).toString("hex");
const stripeSecret = `whsec_${crypto.randomBytes(24).toString("hex")}`;
const adminToken = crypto.randomBytes(16).toString("hex");

let dir: string;
let journal: Journal;
let server: http.Server;
let base: string;
let notified = 0;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "iw-deployer-http-"));
  journal = new Journal(path.join(dir, "journal.sqlite"));
  server = createDeployerServer({
    journal,
    reconciler: { notify: () => void notified++ },
    metrics: new Metrics(),
    log: silentLogger,
    supabaseSecret,
    stripeSecret,
    adminToken,
    profilesTable: "profiles",
    cells: ["cell-a", "cell-b"],
    bodyLimitBytes: 1024 * 1024,
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
  journal.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const profileUpdate = (cell: unknown = "cell-a", extra: Record<string, unknown> = {}) => ({
  type: "UPDATE",
  table: "profiles",
  schema: "public",
  record: { id: crypto.randomUUID(), cell, state: "active", ...extra },
  old_record: { id: crypto.randomUUID(), cell, state: "suspended" },
});

function supabaseHeaders(body: string, delivery = crypto.randomUUID(), at = Date.now()) {
  const ts = Math.floor(at / 1000);
  return {
    "content-type": "application/json",
    "x-instantworker-delivery": delivery,
    "x-instantworker-timestamp": String(ts),
    "x-instantworker-signature": signSupabase(supabaseSecret, ts, delivery, Buffer.from(body)),
  };
}

async function postSupabase(payload: unknown, headers?: Record<string, string>) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const res = await fetch(`${base}/webhooks/supabase`, {
    method: "POST",
    body,
    headers: headers ?? supabaseHeaders(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function stripeEvent(type: string, object: Record<string, unknown>) {
  return {
    id: `evt_${crypto.randomBytes(8).toString("hex")}`,
    object: "event",
    type,
    data: { object },
  };
}

async function postStripe(event: unknown, opts: { secret?: string; timestamp?: number } = {}) {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: opts.secret ?? stripeSecret,
    timestamp: opts.timestamp,
  });
  const res = await fetch(`${base}/webhooks/stripe`, {
    method: "POST",
    body: payload,
    headers: { "content-type": "application/json", "stripe-signature": signature },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function journaled() {
  return { events: journal.eventCount(), dirty: journal.dirtyCells().map((d) => d.cell) };
}

describe("Supabase webhook", () => {
  let start: ReturnType<typeof journaled>;
  beforeEach(() => (start = journaled()));

  test("accepts a signed profile update and marks its cell dirty", async () => {
    const before = notified;
    const res = await postSupabase(profileUpdate("cell-b"));
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { status: "accepted", cells: ["cell-b"] });
    assert.equal(journal.eventCount(), start.events + 1);
    assert.ok(journal.dirtyCells().some((d) => d.cell === "cell-b"));
    assert.equal(notified, before + 1);
  });

  test("ignores a second delivery of the same event", async () => {
    const body = JSON.stringify(profileUpdate());
    const headers = supabaseHeaders(body);
    assert.equal((await postSupabase(body, headers)).status, 202);
    const generation = journal.dirtyCells().find((d) => d.cell === "cell-a")!.generation;
    const again = await postSupabase(body, headers);
    assert.deepEqual([again.status, again.body], [200, { status: "duplicate" }]);
    assert.equal(journal.eventCount(), start.events + 1);
    assert.equal(journal.dirtyCells().find((d) => d.cell === "cell-a")!.generation, generation);
  });

  test("refuses a wrong signature with 401 and journals nothing", async () => {
    const body = JSON.stringify(profileUpdate());
    const headers = supabaseHeaders(body);
    headers["x-instantworker-signature"] = signSupabase(
      "not-the-secret",
      1,
      "x",
      Buffer.from(body),
    );
    assert.equal((await postSupabase(body, headers)).status, 401);
    assert.deepEqual(journaled(), start);
  });

  test("refuses a missing signature with 401 and journals nothing", async () => {
    const res = await postSupabase(profileUpdate(), { "content-type": "application/json" });
    assert.equal(res.status, 401);
    assert.deepEqual(journaled(), start);
  });

  test("refuses a signature older than five minutes", async () => {
    const body = JSON.stringify(profileUpdate());
    const stale = supabaseHeaders(body, crypto.randomUUID(), Date.now() - 301_000);
    assert.equal((await postSupabase(body, stale)).status, 401);
    assert.deepEqual(journaled(), start);
  });

  test("answers a signed body that is not JSON with 400", async () => {
    const res = await postSupabase("{not json");
    assert.deepEqual([res.status, res.body.error], [400, "the body is not JSON"]);
    assert.deepEqual(journaled(), start);
  });

  test("names a cell that is not a cell name", async () => {
    const res = await postSupabase(profileUpdate("Cell A; drop"));
    assert.equal(res.status, 400);
    assert.equal(res.body.error, "cell `Cell A; drop` is not a cell name");
  });

  test("ignores events of other tables and kinds with 202", async () => {
    const other = { ...profileUpdate(), table: "invoices" };
    const truncate = { type: "TRUNCATE", table: "profiles", record: null, old_record: null };
    for (const payload of [other, truncate]) {
      const res = await postSupabase(payload);
      assert.deepEqual([res.status, res.body.status], [202, "ignored"]);
    }
    assert.deepEqual(journaled(), start);
  });

  test("ignores a cell this deployer does not serve", async () => {
    const res = await postSupabase(profileUpdate("cell-z"));
    assert.deepEqual(res.body, { status: "ignored", reason: "cell cell-z is not served here" });
    assert.deepEqual(journaled(), start);
  });
});

describe("Stripe webhook", () => {
  let start: ReturnType<typeof journaled>;
  beforeEach(() => (start = journaled()));
  const subscription = {
    id: "sub_1",
    customer: "cus_1",
    metadata: { instantworker_cell: "cell-a" },
  };

  test("accepts a signed subscription event once", async () => {
    const event = stripeEvent("customer.subscription.deleted", subscription);
    assert.equal((await postStripe(event)).status, 202);
    assert.deepEqual((await postStripe(event)).body, { status: "duplicate" });
    assert.equal(journal.eventCount(), start.events + 1);
  });

  test("finds the cell of a failed invoice in its subscription's metadata", async () => {
    const invoice = {
      id: "in_1",
      parent: { subscription_details: { metadata: subscription.metadata } },
    };
    const res = await postStripe(stripeEvent("invoice.payment_failed", invoice));
    assert.deepEqual(res.body, { status: "accepted", cells: ["cell-a"] });
  });

  test("refuses a signature made with another secret", async () => {
    const res = await postStripe(stripeEvent("customer.subscription.deleted", subscription), {
      secret: "whsec_other",
    });
    assert.equal(res.status, 401);
    assert.deepEqual(journaled(), start);
  });

  test("refuses a signature beyond Stripe's timestamp tolerance", async () => {
    const event = stripeEvent("customer.subscription.deleted", subscription);
    const res = await postStripe(event, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    assert.equal(res.status, 401);
    assert.deepEqual(journaled(), start);
  });

  test("ignores an event type it does not handle with 202", async () => {
    const res = await postStripe(stripeEvent("customer.created", { id: "cus_1" }));
    assert.deepEqual(res.body, { status: "ignored", reason: "customer.created" });
    assert.deepEqual(journaled(), start);
  });
});

describe("body limit", () => {
  const tenMegabytes = Buffer.alloc(10 * 1024 * 1024, 0x20);

  test("answers a declared 10 MB body with 413", async () => {
    const res = await fetch(`${base}/webhooks/supabase`, { method: "POST", body: tenMegabytes });
    assert.equal(res.status, 413);
  });

  test("answers a chunked 10 MB body with 413", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/webhooks/stripe`, { method: "POST" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 10; i++) req.write(tenMegabytes.subarray(i * 1048576, (i + 1) * 1048576));
      req.end();
    });
    assert.equal(status, 413);
  });
});

describe("read-only endpoints", () => {
  const auth = { authorization: `Bearer ${adminToken}` };

  test("reports health", async () => {
    const res = await fetch(`${base}/healthz`);
    assert.deepEqual([res.status, await res.json()], [200, { status: "ok" }]);
  });

  test("serves Prometheus metrics to the admin token only", async () => {
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    await postSupabase(profileUpdate());
    const text = await (await fetch(`${base}/metrics`, { headers: auth })).text();
    assert.match(text, /^# TYPE deployer_events_total counter$/m);
    assert.match(text, /^deployer_accept_seconds_count \d+$/m);
  });

  test("lists runs and dirty cells, and refuses a bad limit", async () => {
    journal.finishRun(
      journal.startRun("cell-a", "event", 1, Date.now()),
      { state: "updated" },
      Date.now(),
    );
    const res = await fetch(`${base}/runs?cell=cell-a&limit=5`, { headers: auth });
    const body = (await res.json()) as { runs: { cell: string; state: string }[] };
    assert.equal(body.runs[0].state, "updated");
    const bad = await fetch(`${base}/runs?limit=0`, { headers: auth });
    assert.deepEqual(await bad.json(), { error: "limit `0` is not accepted (1 to 500)" });
  });

  test("refuses other methods and paths", async () => {
    assert.equal((await fetch(`${base}/webhooks/stripe`)).status, 405);
    assert.equal((await fetch(`${base}/runs`, { method: "DELETE", headers: auth })).status, 405);
    assert.equal((await fetch(`${base}/nowhere`)).status, 404);
  });
});
