/**
 * The real deployer process, killed with SIGKILL in the middle of an update and started again on the
 * same journal, with the STAND-IN Pulumi CLI behind it.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { RunRecord } from "../src/journal";
import { signSupabase } from "../src/supabase";
import { waitFor } from "./support/harness";
import { spawnDeployer } from "./support/process";
import { ORG, Standin, step, workerUrn } from "./support/standin";

const secret = crypto.randomBytes(32).toString("hex");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iw-deployer-restart-"));
const standin = new Standin({
  default: {
    preview: { steps: [step("create", workerUrn("cell-a", "alice", "container"))] },
    up: { delayMs: 2500 },
  },
});
const children: ChildProcess[] = [];

after(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  standin.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startDeployer(): Promise<{ child: ChildProcess; base: string }> {
  const { child, port } = await spawnDeployer({
    IW_JOURNAL_PATH: path.join(dir, "journal.sqlite"),
    IW_SUPABASE_WEBHOOK_SECRET: secret,
    IW_STRIPE_WEBHOOK_SECRET: `whsec_${secret}`,
    IW_PULUMI_ORG: ORG,
    IW_CELLS: "cell-a",
    IW_PROGRAM_DIR: standin.root,
    IW_PULUMI_ROOT: standin.root,
    IW_SETTLE_MS: "50",
    IW_MIN_RUN_INTERVAL_MS: "0",
    IW_BACKOFF_BASE_MS: "300",
    IW_RECONCILE_ON_START: "false",
  });
  children.push(child);
  return { child, base: `http://127.0.0.1:${port}` };
}

function deliver(base: string, body: string, delivery: string) {
  const ts = Math.floor(Date.now() / 1000);
  return fetch(`${base}/webhooks/supabase`, {
    method: "POST",
    body,
    headers: {
      "x-instantworker-delivery": delivery,
      "x-instantworker-timestamp": String(ts),
      "x-instantworker-signature": signSupabase(secret, ts, delivery, Buffer.from(body)),
    },
  });
}

async function runs(base: string): Promise<RunRecord[]> {
  const body = (await (await fetch(`${base}/runs?cell=cell-a`)).json()) as { runs: RunRecord[] };
  return body.runs.reverse();
}

test("resumes the dirty cell after a crash in the middle of an update", async () => {
  const first = await startDeployer();
  const body = JSON.stringify({ type: "INSERT", table: "profiles", record: { cell: "cell-a" } });
  const delivery = crypto.randomUUID();
  assert.equal((await deliver(first.base, body, delivery)).status, 202);
  await waitFor("the update to start", () => standin.ops("up", "cell-a").length === 1);
  first.child.kill("SIGKILL");
  await new Promise((r) => first.child.once("exit", r));

  const second = await startDeployer();
  assert.equal(
    (await deliver(second.base, body, delivery)).status,
    200,
    "redelivery is a duplicate",
  );
  const finished = await waitFor("the resumed run", async () => {
    const list = await runs(second.base);
    return list.some((r) => r.state === "updated") && list;
  });
  const states = finished.map((r) => r.state);
  assert.equal(states[0], "interrupted");
  assert.equal(states.at(-1), "updated");
  assert.ok(standin.ops("up", "cell-a").length >= 2, "the update ran again after the restart");
  second.child.kill("SIGTERM");
  assert.equal(await new Promise((r) => second.child.once("exit", r)), 0);
});
