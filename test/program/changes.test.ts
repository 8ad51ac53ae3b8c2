/** What a roster change does to the declared cell: a signup adds only its own resources. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { type MockRun, declareCellUnderMocks, workerContainers } from "../support/cell";
import { row, rosterOf } from "./fixtures";

/** Resource name → inputs, with the secret model key masked (it is derived, hence stable, anyway). */
function snapshot(run: MockRun): Map<string, string> {
  return new Map(run.resources.map((r) => [`${r.type}::${r.name}`, JSON.stringify(r.inputs)]));
}

describe("a signup", () => {
  test("adds only the new user's own resources and changes only the pushed config files", async () => {
    const before = snapshot(await declareCellUnderMocks({ roster: rosterOf(5) }));
    const after = snapshot(await declareCellUnderMocks({ roster: [...rosterOf(5), row(5)] }));
    const added = [...after.keys()].filter((k) => !before.has(k)).sort();
    assert.deepEqual(added, [
      "command:local:Command::model-gateway-key-user-5",
      "command:local:Command::worker-user-5-start",
      "docker:index/container:Container::worker-user-5-container",
      "docker:index/volume:Volume::worker-user-5-data",
      "instantworker:cell:Worker::worker-user-5",
    ]);
    // Shared services learn of the new worker through files pushed to the host and reloaded in place:
    // those pushes change, and nothing else, in particular no shared container.
    const changed = [...before.keys()].filter((k) => after.get(k) !== before.get(k));
    assert.deepEqual(changed.sort(), [
      "command:local:Command::edge-caddyfile",
      "command:local:Command::edge-hosts",
      "command:local:Command::egress-proxy-config",
      "command:local:Command::monitors-cell-file",
    ]);
  });
});

describe("the deletion guard", () => {
  const hundred = rosterOf(100);
  const previous = hundred.map((r) => r.slug);
  const sixty = hundred.slice(0, 60);

  test("refuses a deploy that would stop 40 of 100 workers, naming them", async () => {
    await assert.rejects(declareCellUnderMocks({ roster: sixty, previous }), (err: Error) => {
      assert.ok(pulumi.RunError.isInstance(err));
      assert.match(err.message, /40/);
      assert.match(err.message, /user-60/);
      assert.match(err.message, /user-99/);
      return true;
    });
  });

  test("allows the same deploy with the operator's one-run override of exactly 40", async () => {
    const run = await declareCellUnderMocks({
      roster: sixty,
      previous,
      env: { INSTANTWORKER_ALLOW_REMOVALS: "40" },
    });
    assert.equal(workerContainers(run).length, 60);
  });

  test("refuses an override that does not match the number of removals", async () => {
    await assert.rejects(
      declareCellUnderMocks({
        roster: sixty,
        previous,
        env: { INSTANTWORKER_ALLOW_REMOVALS: "39" },
      }),
      (err: Error) => pulumi.RunError.isInstance(err),
    );
  });

  test("refuses an empty roster where the last deploy ran workers", async () => {
    await assert.rejects(declareCellUnderMocks({ roster: [], previous: ["ada"] }), (err: Error) => {
      assert.ok(pulumi.RunError.isInstance(err));
      return true;
    });
  });

  test("counts suspensions as removals of running workers", async () => {
    const suspended = hundred.map((r, i) => (i >= 60 ? { ...r, state: "suspended" } : r));
    await assert.rejects(declareCellUnderMocks({ roster: suspended, previous }));
  });

  test("lets a first deploy through, with no previous outputs to compare", async () => {
    const run = await declareCellUnderMocks({ roster: sixty });
    assert.equal(workerContainers(run).length, 60);
  });
});
