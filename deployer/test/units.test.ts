/** The pure parts: update planning from preview steps, backoff arithmetic and settings. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, readConfig } from "../src/config";
import { planUpdate } from "../src/plan";
import { backoffDelay } from "../src/reconciler";
import { WORKER_TYPE, step, workerUrn } from "./support/standin";

const container = (slug: string) => workerUrn("c", slug, "container");
const shared =
  "urn:pulumi:c::instantworker::instantworker:cell:Cell$docker:index/container:Container::edge";

describe("planUpdate", () => {
  test("targets exactly the changed worker resources", () => {
    const plan = planUpdate(
      [
        step("create", container("a")),
        step("same", container("b")),
        step("update", workerUrn("c", "d")),
      ],
      WORKER_TYPE,
    );
    assert.deepEqual(plan.targets, [container("a"), workerUrn("c", "d")].sort());
    assert.deepEqual(plan.workerDeletes, []);
  });

  test("falls back to the whole cell when a worker is deleted", () => {
    const plan = planUpdate(
      [step("create", container("a")), step("delete", container("b"))],
      WORKER_TYPE,
    );
    assert.equal(plan.targets, undefined);
    assert.deepEqual(plan.workerDeletes, [container("b")]);
  });

  test("falls back to the whole cell when a shared resource changes", () => {
    assert.equal(planUpdate([step("update", shared)], WORKER_TYPE).targets, undefined);
  });

  test("does not count a replaced container or a deleted volume as a stopped worker", () => {
    const plan = planUpdate(
      [step("delete-replaced", container("a")), step("delete", workerUrn("c", "b", "data"))],
      WORKER_TYPE,
    );
    assert.deepEqual(plan.workerDeletes, []);
  });

  test("reports no change when every step is same", () => {
    assert.deepEqual(planUpdate([step("same", container("a"))], WORKER_TYPE), {
      changed: false,
      workerDeletes: [],
      targets: undefined,
    });
  });
});

describe("backoffDelay", () => {
  const policy = { baseMs: 1000, maxMs: 60_000 };

  test("doubles per attempt, jittered between half and all of the ceiling", () => {
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffDelay(n, policy, () => 0)),
      [500, 1000, 2000],
    );
    assert.deepEqual(
      [1, 2, 3].map((n) => backoffDelay(n, policy, () => 1)),
      [1000, 2000, 4000],
    );
  });

  test("never exceeds the maximum", () => {
    assert.equal(
      backoffDelay(30, policy, () => 1),
      60_000,
    );
  });
});

describe("readConfig", () => {
  const minimal = {
    IW_SUPABASE_WEBHOOK_SECRET: "s",
    IW_STRIPE_WEBHOOK_SECRET: "t",
    IW_PULUMI_ORG: "instantworker",
    IW_CELLS: "prod, prod-2",
    IW_PROGRAM_DIR: "/srv/infra",
  };

  test("reads a minimal environment with defaults", () => {
    const config = readConfig(minimal);
    assert.deepEqual(config.cells, ["prod", "prod-2"]);
    assert.equal(config.pulumiVersion, "3.276.0");
    assert.equal(config.maxParallel, 2);
  });

  test("names every bad setting in one sentence each, without secret values", () => {
    assert.throws(
      () =>
        readConfig({
          ...minimal,
          IW_CELLS: "Prod",
          IW_MAX_PARALLEL: "0",
          IW_STRIPE_WEBHOOK_SECRET: "",
        }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message ===
          [
            "`IW_STRIPE_WEBHOOK_SECRET` (or `IW_STRIPE_WEBHOOK_SECRET_FILE`) is not set (accepted: a secret value)",
            "`IW_CELLS` lists `Prod`, not a cell name (accepted: a-z, 0-9, -)",
            "`IW_MAX_PARALLEL` is `0` (accepted: a whole number from 1 to 64)",
          ].join("\n"),
    );
  });
});
