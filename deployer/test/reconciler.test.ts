/**
 * The reconciler against the STAND-IN Pulumi CLI (a script that records its arguments and plays back
 * scripted engine events, errors and delays; no real CLI exists on these machines).
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { type Harness, harness, sleep, waitFor } from "./support/harness";
import { type Call, step, workerUrn } from "./support/standin";

const newWorker = step("create", workerUrn("cell-a", "alice", "container"));
const edgeChange = step(
  "update",
  "urn:pulumi:cell-a::instantworker::instantworker:cell:Cell$docker:index/container:Container::edge",
);
const GUARD_STDERR =
  "error: the roster would remove 9 of 20 running workers (more than 5 workers); if that is " +
  "intended, set the removal override to 9 for one run; removed: a, b, c\n";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const overlaps = (a: Call, b: Call) => a.start < b.end! && b.start < a.end!;
const runStates = (h: Harness, cell: string) =>
  h.journal
    .recentRuns(50, cell)
    .reverse()
    .map((r) => r.state);
const settled = (h: Harness) => () =>
  h.reconciler.runningCells.length === 0 && h.journal.dirtyCells().length === 0;

describe("reconciler", () => {
  test("folds every event that arrives during a run into one follow-up run", async () => {
    h = await harness({ default: { preview: { steps: [newWorker] }, up: { delayMs: 1500 } } });
    h.event("e0", "cell-a");
    await waitFor("the first update", () => h!.standin.ops("up", "cell-a").length === 1);
    for (let i = 1; i <= 20; i++) h.event(`e${i}`, "cell-a");
    await waitFor("both runs", settled(h));
    assert.equal(h.standin.ops("up", "cell-a").length, 2);
    assert.deepEqual(runStates(h, "cell-a"), ["updated", "updated"]);
  });

  test("never runs two previews or updates of one cell at once", async () => {
    h = await harness(
      { default: { preview: { delayMs: 200, steps: [newWorker] }, up: { delayMs: 300 } } },
      { maxParallel: 4 },
    );
    for (let i = 0; i < 6; i++) {
      h.event(`burst-${i}`, "cell-a");
      await sleep(250);
    }
    await waitFor("all runs", settled(h));
    const ops = h.standin.calls().filter((c) => c.command === "preview" || c.command === "up");
    assert.ok(ops.length >= 4, `expected several runs, saw ${ops.length} operations`);
    for (const [i, a] of ops.entries()) {
      for (const b of ops.slice(i + 1)) assert.ok(!overlaps(a, b), `${a.id} overlaps ${b.id}`);
    }
    assert.ok(
      ops.every((c) => c.exitCode === 0),
      "no operation met a locked stack",
    );
  });

  test("runs two cells in parallel", async () => {
    h = await harness({ default: { preview: { steps: [newWorker] }, up: { delayMs: 1000 } } });
    h.event("both", "cell-a", "cell-b");
    await waitFor("both cells", settled(h));
    const [a] = h.standin.ops("up", "cell-a");
    const [b] = h.standin.ops("up", "cell-b");
    assert.ok(overlaps(a, b), "the two updates ran at the same time");
  });

  test("keeps to the parallel limit across cells", async () => {
    h = await harness(
      { default: { preview: { steps: [newWorker] }, up: { delayMs: 500 } } },
      { maxParallel: 1 },
    );
    h.event("both", "cell-a", "cell-b");
    await waitFor("both cells", settled(h));
    const [a] = h.standin.ops("up", "cell-a");
    const [b] = h.standin.ops("up", "cell-b");
    assert.ok(!overlaps(a, b), "the second cell waited for the first");
  });

  test("retries a failing run with growing delays", async () => {
    const transient = { exitCode: 1, stderr: "error: dial tcp: connection reset by peer\n" };
    h = await harness(
      { default: { preview: [transient, transient, transient, { steps: [newWorker] }] } },
      { backoff: { baseMs: 200, maxMs: 5_000 }, random: () => 1 },
    );
    h.event("e1", "cell-a");
    await waitFor("the retries", settled(h));
    const starts = h.standin.ops("preview", "cell-a").map((c) => c.start);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    assert.equal(starts.length, 4);
    gaps.forEach((gap, i) => assert.ok(gap >= 200 * 2 ** i, `gap ${i} was ${gap} ms`));
    assert.deepEqual(runStates(h, "cell-a"), ["failed", "failed", "failed", "updated"]);
    assert.match(h.journal.recentRuns(4, "cell-a")[3].message ?? "", /connection reset by peer/);
  });

  test("waits out a stack another update holds, then runs", async () => {
    h = await harness(
      { default: { preview: { steps: [newWorker] } } },
      { backoff: { baseMs: 150, maxMs: 1_000 } },
    );
    h.standin.lock("cell-a");
    h.event("e1", "cell-a");
    await waitFor("a busy run", () => runStates(h!, "cell-a").includes("busy"));
    h.standin.unlock("cell-a");
    await waitFor("the update", settled(h));
    const states = runStates(h, "cell-a");
    assert.equal(states[0], "busy");
    assert.equal(states.at(-1), "updated");
  });

  test("stops at the program's deletion guard without updating or retrying", async () => {
    h = await harness({ default: { preview: { exitCode: 255, stderr: GUARD_STDERR } } });
    h.event("e1", "cell-a");
    await waitFor("the refusal", settled(h));
    await sleep(500);
    assert.deepEqual(runStates(h, "cell-a"), ["refused"]);
    assert.equal(h.standin.ops("up").length, 0);
    assert.match(h.journal.recentRuns(1)[0].message ?? "", /would remove 9 of 20 running workers/);
  });

  test("refuses a preview that stops more running workers than its bound", async () => {
    const deletes = ["a1", "a2", "a3"].map((s) =>
      step("delete", workerUrn("cell-a", s, "container")),
    );
    h = await harness({ default: { preview: { steps: deletes } } }, { maxWorkerDeletes: 2 });
    h.event("e1", "cell-a");
    await waitFor("the refusal", settled(h));
    assert.deepEqual(runStates(h, "cell-a"), ["refused"]);
    assert.equal(h.standin.ops("up").length, 0);
    assert.match(
      h.journal.recentRuns(1)[0].message ?? "",
      /stops 3 running workers, more than .* 2/,
    );
  });

  test("targets an update at the changed workers when only workers change", async () => {
    const volume = step("create", workerUrn("cell-a", "alice", "data"));
    h = await harness({ default: { preview: { steps: [newWorker, volume] } } });
    h.event("e1", "cell-a");
    await waitFor("the update", settled(h));
    const [up] = h.standin.ops("up", "cell-a");
    const targets = up.args.flatMap((a, i) => (up.args[i - 1] === "--target" ? [a] : []));
    assert.deepEqual(targets, [newWorker.urn, volume.urn].sort());
  });

  test("updates the whole cell when a shared resource changes", async () => {
    h = await harness({ default: { preview: { steps: [newWorker, edgeChange] } } });
    h.event("e1", "cell-a");
    await waitFor("the update", settled(h));
    const [up] = h.standin.ops("up", "cell-a");
    assert.ok(!up.args.includes("--target"), up.args.join(" "));
    assert.equal(h.journal.recentRuns(1)[0].targets, null);
  });

  test("skips the update when the preview shows no change", async () => {
    h = await harness({ default: { preview: { steps: [step("same", newWorker.urn)] } } });
    h.event("e1", "cell-a");
    await waitFor("the run", settled(h));
    assert.deepEqual(runStates(h, "cell-a"), ["unchanged"]);
    assert.equal(h.standin.ops("up").length, 0);
  });

  test("reconciles every cell with a refresh when its period comes round", async () => {
    h = await harness({ default: { preview: { steps: [] } } }, { fullReconcileMs: 300 });
    await waitFor("a periodic run of each cell", () =>
      ["cell-a", "cell-b"].every((c) => h!.standin.ops("preview", c).length > 0),
    );
    const [preview] = h.standin.ops("preview", "cell-a");
    assert.ok(preview.args.includes("--refresh"), preview.args.join(" "));
    assert.equal(h.journal.recentRuns(1, "cell-a")[0].trigger, "reconcile");
  });
});
