import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  keyScriptStdin,
  renderEnsureKeyScript,
  renderRemoveKeyScript,
} from "../../lib/model-gateway/key-script";
import {
  type AdminCall,
  ensureKeyCalls,
  keySettings,
  modelKey,
  removeKeyCalls,
  type WorkerKeySpec,
} from "../../lib/model-gateway/keys";
import { DEFAULT_PLANS } from "../../lib/plans";
import { hasCommand, requireComponent } from "../support/requires";
import { type RecordedCall, type StandIn, startAdminStandIn } from "./admin-standin";

// Throwaway credentials, made per run.
const MASTER = `sk-${randomBytes(16).toString("hex")}`;
const SECRET = randomBytes(32).toString("hex");
const USER = randomUUID();
const KEY = modelKey(SECRET, USER);

const SPEC: WorkerKeySpec = {
  cell: "dev",
  slug: "alice",
  userId: USER,
  planName: "simple",
  plan: DEFAULT_PLANS.simple,
  state: "active",
};

function expected(calls: AdminCall[]): RecordedCall[] {
  return calls.map(({ method, path: p, body }) => ({ method, path: p, body }));
}

describe("model key lifecycle against the LiteLLM admin API stand-in", () => {
  let standIn: StandIn;
  let shimDir: string;

  before(async () => {
    standIn = await startAdminStandIn(MASTER);
    // A curl on PATH that writes down its arguments before running the real one.
    shimDir = fs.mkdtempSync(path.join(os.tmpdir(), "iw-keys-"));
    const real = spawnSync("sh", ["-c", "command -v curl"], { encoding: "utf8" }).stdout.trim();
    fs.writeFileSync(
      path.join(shimDir, "curl"),
      `#!/bin/bash\nprintf '%s\\n' "$*" >> "${shimDir}/argv"\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
  });
  after(async () => {
    await standIn?.close();
    fs.rmSync(shimDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    standIn.calls.length = 0;
  });

  // The stand-in answers from this process, so the script must run without blocking it.
  async function run(script: string, key = KEY, master = MASTER) {
    standIn.calls.length = 0;
    const child = spawn("bash", ["-c", script], {
      env: { ...process.env, PATH: `${shimDir}:${process.env.PATH}` },
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.resume();
    child.stdin.end(keyScriptStdin(master, key));
    const [code] = (await once(child, "close")) as [number | null];
    return { code, stderr, calls: [...standIn.calls] };
  }

  const ensure = (spec: WorkerKeySpec) =>
    renderEnsureKeyScript(ensureKeyCalls(spec), { adminUrl: standIn.url, readySeconds: 4 });
  const remove = () => renderRemoveKeyScript(removeKeyCalls(), { adminUrl: standIn.url });

  test("registers a new worker's key with its plan's budget, limits and models", async (t) => {
    if (!(await requireComponent(t, "curl", () => hasCommand("curl")))) return;
    standIn.keys.clear();
    const calls = ensureKeyCalls(SPEC, KEY);
    const result = await run(ensure(SPEC));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.calls, expected([calls.probe, ...calls.whenMissing, ...calls.always]));
    assert.deepEqual(standIn.keys.get(KEY), { ...keySettings(SPEC), blocked: false });
  });

  test("updates an existing key instead of failing, making the same calls every time", async (t) => {
    if (!(await requireComponent(t, "curl", () => hasCommand("curl")))) return;
    await run(ensure(SPEC));
    const before = structuredClone([...standIn.keys]);
    const second = await run(ensure(SPEC));
    const third = await run(ensure(SPEC));
    const calls = ensureKeyCalls(SPEC, KEY);
    assert.deepEqual(second.calls, expected([calls.probe, ...calls.whenPresent, ...calls.always]));
    assert.deepEqual(third.calls, second.calls);
    assert.deepEqual([...standIn.keys], before);
  });

  test("moves the key to the new plan's budget, limits and models on a plan change", async (t) => {
    if (!(await requireComponent(t, "curl", () => hasCommand("curl")))) return;
    await run(ensure(SPEC));
    const legend = { ...SPEC, planName: "legend", plan: DEFAULT_PLANS.legend };
    const result = await run(ensure(legend));
    const calls = ensureKeyCalls(legend, KEY);
    assert.deepEqual(result.calls, expected([calls.probe, ...calls.whenPresent, ...calls.always]));
    assert.equal(standIn.keys.get(KEY)?.max_budget, DEFAULT_PLANS.legend.budgetUsd);
    assert.deepEqual(standIn.keys.get(KEY)?.models, DEFAULT_PLANS.legend.models);
  });

  test("blocks a suspended worker's key and unblocks it on resume", async (t) => {
    if (!(await requireComponent(t, "curl", () => hasCommand("curl")))) return;
    await run(ensure(SPEC));
    const suspended = await run(ensure({ ...SPEC, state: "suspended" }));
    assert.deepEqual(suspended.calls.at(-1), {
      method: "POST",
      path: "/key/block",
      body: { key: KEY },
    });
    assert.equal(standIn.keys.get(KEY)?.blocked, true);
    const resumed = await run(ensure(SPEC));
    assert.deepEqual(resumed.calls.at(-1), {
      method: "POST",
      path: "/key/unblock",
      body: { key: KEY },
    });
    assert.equal(standIn.keys.get(KEY)?.blocked, false);
  });

  test("creates a key already blocked for a worker that starts suspended", async (t) => {
    if (!(await requireComponent(t, "curl", () => hasCommand("curl")))) return;
    standIn.keys.clear();
    const result = await run(ensure({ ...SPEC, state: "suspended" }));
    assert.equal(result.calls[2].path, "/key/generate");
    assert.equal(result.calls[2].body?.blocked, true);
    assert.equal(standIn.keys.get(KEY)?.blocked, true);
  });

  test("deletes the key on removal, and a repeated removal succeeds with nothing left", async (t) => {
    if (!(await requireComponent(t, "curl", () => hasCommand("curl")))) return;
    await run(ensure(SPEC));
    const first = await run(remove());
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.calls, expected(removeKeyCalls(KEY)));
    assert.equal(standIn.keys.has(KEY), false);
    const again = await run(remove());
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.calls, first.calls);
  });

  test("replaces the old key under the same alias when the secret rotates", async (t) => {
    if (!(await requireComponent(t, "curl", () => hasCommand("curl")))) return;
    standIn.keys.clear();
    await run(ensure(SPEC));
    const rotated = modelKey(randomBytes(32).toString("hex"), USER);
    const result = await run(ensure(SPEC), rotated);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.calls.slice(1, 3), [
      { method: "POST", path: "/key/delete", body: { key_aliases: ["iw-dev-alice"] } },
      {
        method: "POST",
        path: "/key/generate",
        body: { key: rotated, ...keySettings(SPEC), blocked: false },
      },
    ]);
    assert.deepEqual([...standIn.keys.keys()], [rotated]);
  });

  test("stops with one line naming the refused call, and shows no key", async (t) => {
    if (!(await requireComponent(t, "curl", () => hasCommand("curl")))) return;
    const wrongMaster = `sk-${randomBytes(16).toString("hex")}`;
    const result = await run(ensure(SPEC), KEY, wrongMaster);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      "model gateway key: key info: the admin API answered 401 (accepted: 200 404)\n",
    );
  });

  test("passes neither key to curl on its command line", async (t) => {
    if (!(await requireComponent(t, "curl", () => hasCommand("curl")))) return;
    fs.rmSync(path.join(shimDir, "argv"), { force: true });
    await run(ensure(SPEC));
    await run(remove());
    const argv = fs.readFileSync(path.join(shimDir, "argv"), "utf8");
    assert.ok(argv.split("\n").length > 4, "curl was called");
    assert.equal(argv.includes(KEY) || argv.includes(MASTER), false);
  });

  test("refuses a worker key that is not a derived model key", async (t) => {
    if (!(await requireComponent(t, "curl", () => hasCommand("curl")))) return;
    const result = await run(ensure(SPEC), `sk-iw-"}, "models": ["*"]`);
    assert.equal(result.code, 1);
    assert.deepEqual(result.calls, []);
    assert.match(result.stderr, /^model gateway key: the worker key on stdin is not sk-iw-/);
  });
});

describe("modelKey", () => {
  test("derives one stable key per user, distinct between users and between secrets", () => {
    const other = randomUUID();
    assert.equal(modelKey(SECRET, USER), KEY);
    assert.match(KEY, /^sk-iw-[0-9a-f]{64}$/);
    assert.notEqual(modelKey(SECRET, other), KEY);
    assert.notEqual(modelKey(randomBytes(32).toString("hex"), USER), KEY);
  });

  test("refuses a short secret", () => {
    assert.throws(() => modelKey("short", USER), {
      message:
        "The model key secret is 5 characters long (accepted: at least 32 random characters).",
    });
  });

  test("refuses a user id that is not a uuid", () => {
    assert.throws(() => modelKey(SECRET, "alice"), {
      message: "User id `alice` is not a lower-case uuid (accepted: the roster's user_id).",
    });
  });
});
