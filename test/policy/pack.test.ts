/**
 * The pack as the Pulumi CLI loads it: the real `@pulumi/policy` analyzer server started from
 * policy/index.ts, called over gRPC by a stand-in for the CLI (test/policy/analyzer.ts).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { POLICIES } from "../../policy/policies";
import { packResourcesUnderMocks, realisticRoster } from "../../scripts/policy-check";
import { type Diagnostic, PackServer } from "./analyzer";
import { resource, startCommand, worker, workerProps } from "./fixtures";

const POLICY_DIR = path.resolve(__dirname, "..", "..", "policy");
let pack: PackServer;

before(async () => {
  pack = await PackServer.start();
});
after(() => pack?.stop());

test("serves every policy, each mandatory, kebab-named and described as a check", async () => {
  const info = await pack.info();
  assert.equal(info.name, "instantworker-cell");
  const served = info.policiesList.map((p: any) => p.name).sort();
  assert.deepEqual(served, POLICIES.map((p) => p.name).sort());
  for (const p of info.policiesList) {
    assert.match(p.name, /^[a-z]+(-[a-z]+)*$/, p.name);
    assert.equal(p.enforcementlevel, 1, `${p.name} is not mandatory`);
    assert.match(p.description, /^Checks that /, p.name);
  }
});

test("only policy/index.ts creates a PolicyPack, so every policy module imports without serving", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.name === "node_modules"
        ? []
        : e.isDirectory()
          ? files(path.join(dir, e.name))
          : [path.join(dir, e.name)],
    );
  const creating = files(POLICY_DIR)
    .filter((f) => f.endsWith(".ts") && readFileSync(f, "utf8").includes("new PolicyPack("))
    .map((f) => path.relative(POLICY_DIR, f));
  assert.deepEqual(creating, ["index.ts"]);
});

test("the real server passes the compliant worker and its start command", async () => {
  const resources = [worker(), startCommand()];
  const found: Diagnostic[] = [];
  for (const r of resources) found.push(...(await pack.analyze(r)));
  found.push(...(await pack.analyzeStack(resources)));
  assert.deepEqual(found, []);
});

test("the real server reports a writable worker root as mandatory, naming the container", async () => {
  const props = workerProps();
  props.readOnly = false;
  assert.deepEqual(await pack.analyze(worker(props)), [
    {
      policy: "worker-read-only-root",
      level: "mandatory",
      message:
        "Checks that every worker container has a read-only root filesystem.\nWorker container `iw-worker-ada` must have a read-only root filesystem (`readOnly: true`); it is `false`",
      // Analyze leaves the URN to the engine, which already knows which resource it asked about.
      urn: "",
    },
  ]);
});

test("the real server runs the pids stack policy against the worker's URN", async () => {
  const props = workerProps();
  props.start = true;
  const found = await pack.analyzeStack([worker(props), startCommand()]);
  assert.deepEqual(
    found.map((d) => [d.policy, d.level, d.urn]),
    [["worker-pids-limit", "mandatory", worker().urn]],
  );
});

test("the engine's options carry no retainOnDelete, so the data policy is silent under the CLI", async () => {
  const volume = resource("docker:index/volume:Volume", "worker-ada-data", { name: "iw-data-ada" });
  volume.opts.retainOnDelete = false;
  // The same volume fails `npm run policy:check`, which sees the registered option (cell.test.ts).
  assert.deepEqual(await pack.analyze(volume), []);
});

test("the real server passes the program's own prod resources with no violation", async () => {
  const resources = await packResourcesUnderMocks({
    stack: "prod",
    roster: realisticRoster("fsn1-a"),
  });
  const found: Diagnostic[] = [];
  for (const r of resources) found.push(...(await pack.analyze(r)));
  found.push(...(await pack.analyzeStack(resources)));
  assert.deepEqual(found, []);
});
