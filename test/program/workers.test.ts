/** The cell program under Pulumi's mocks (a stand-in for the engine): what every worker is declared as. */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { WORKER_ENV } from "../../lib/cell-contract";
import { DEFAULT_PLANS } from "../../lib/plans";
import { type MockRun, declareCellUnderMocks, plain, workerContainers } from "../support/cell";
import { validRoster } from "./fixtures";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

const workers = workerContainers;

describe("workers declared from a roster of several plans and states", () => {
  let run: MockRun;
  before(async () => {
    run = await declareCellUnderMocks({ roster: validRoster() });
  });
  const container = (slug: string) => run.one(CONTAINER, `worker-${slug}-container`).inputs;

  test("declares a container for each active row and none for a suspended one", () => {
    const names = workers(run)
      .map((r) => r.inputs.name)
      .sort();
    assert.deepEqual(names, [
      "iw-worker-ada",
      "iw-worker-barbara",
      "iw-worker-grace",
      "iw-worker-linus",
    ]);
  });

  test("keeps a data volume, retained on delete, for every row including the suspended one", () => {
    const volumes = run.byType(VOLUME).filter((v) => v.name.startsWith("worker-"));
    assert.deepEqual(volumes.map((v) => v.inputs.name).sort(), [
      "iw-data-ada",
      "iw-data-barbara",
      "iw-data-grace",
      "iw-data-linus",
      "iw-data-margaret",
    ]);
    for (const v of volumes) assert.equal(v.opts.retainOnDelete, true, v.name);
  });

  for (const [slug, plan, slot] of [
    ["ada", "simple", 0],
    ["grace", "expert", 1],
    ["linus", "legend", 2],
    ["barbara", "legend", 7],
  ] as const) {
    test(`hardens ${slug}'s container (${plan} plan) field by field`, () => {
      const c = container(slug);
      assert.equal(c.image, "instantworker/worker:0.1.0");
      assert.equal(c.user, "10001:10001");
      assert.deepEqual(c.capabilities, { drops: ["ALL"] });
      assert.deepEqual(c.securityOpts, ["no-new-privileges:true"]);
      assert.equal(c.privileged, false);
      assert.equal(c.readOnly, true);
      assert.equal(c.memory, DEFAULT_PLANS[plan].memoryMb);
      assert.equal(c.memorySwap, DEFAULT_PLANS[plan].memoryMb);
      assert.equal(c.cpus, String(DEFAULT_PLANS[plan].cpus));
      assert.deepEqual(Object.keys(c.tmpfs).sort(), ["/home/worker", "/run", "/tmp"]);
      assert.equal(c.ipcMode, "private");
      assert.deepEqual(c.networksAdvanced, [
        { name: "iw-workers", ipv4Address: `10.210.0.${16 + slot}` },
      ]);
      assert.equal(c.ports, undefined);
      assert.equal(c.networkMode, undefined);
      assert.equal(c.pidMode, undefined);
      assert.equal(c.devices, undefined);
      assert.equal(c.mounts, undefined);
      assert.deepEqual(c.volumes, [{ volumeName: `iw-data-${slug}`, containerPath: "/data" }]);
      assert.equal(c.restart, "unless-stopped");
      assert.equal(c.logDriver, "json-file");
      assert.deepEqual(c.logOpts, { "max-size": "10m", "max-file": "3" });
      assert.deepEqual(c.labels, [
        { label: "instantworker.cell", value: "dev" },
        { label: "instantworker.slug", value: slug },
        { label: "instantworker.plan", value: plan },
        { label: "instantworker.role", value: "worker" },
      ]);
      assert.equal(c.healthcheck.tests[0], "CMD");
      assert.match(c.healthcheck.tests.join(" "), /127\.0\.0\.1:18789\/healthz/);
      assert.equal(c.start, false);
    });
  }

  test("starts each worker only after its pids limit of 200 is set and read back", () => {
    for (const slug of ["ada", "grace", "linus", "barbara"]) {
      const start = run.one("command:local:Command", `worker-${slug}-start`).inputs;
      assert.deepEqual(start.triggers, [`worker-${slug}-container-id`]);
      const lines = start.create.split("\n");
      const update = lines.findIndex((l: string) =>
        l.startsWith("docker update --pids-limit 200 "),
      );
      const check = lines.findIndex((l: string) => l.includes("{{.HostConfig.PidsLimit}}"));
      const run_ = lines.findIndex((l: string) => l.startsWith("docker start "));
      assert.ok(update >= 0 && update < check && check < run_, start.create);
    }
  });

  test("gives no worker a published port or any network but the internal one", () => {
    for (const c of workers(run)) {
      assert.equal(c.inputs.ports, undefined, c.name);
      assert.deepEqual(
        c.inputs.networksAdvanced.map((n: { name: string }) => n.name),
        ["iw-workers"],
        c.name,
      );
    }
  });

  test("grants the egress proxy only to workers whose templates browse", () => {
    const env = (slug: string) => plain<string[]>(container(slug).envs);
    assert.ok(env("grace").includes("HTTPS_PROXY=http://10.210.0.4:3128"));
    assert.equal(
      env("barbara").some((e) => e.startsWith("HTTPS_PROXY=")),
      false,
    );
  });

  test("carries the worker's identity and nothing but the contract's variables", () => {
    const names = plain<string[]>(container("barbara").envs).map((e) => e.split("=")[0]);
    assert.deepEqual(names, [...WORKER_ENV]);
  });

  test("exports the running workers for the next deploy's deletion guard", () => {
    assert.deepEqual(run.outputs.activeWorkers, ["ada", "grace", "linus", "barbara"]);
    assert.deepEqual(run.outputs.suspendedWorkers, ["margaret"]);
  });
});

describe("the cell's networks", () => {
  test("puts workers on an internal bridge with inter-container traffic off", async () => {
    const run = await declareCellUnderMocks({ roster: validRoster() });
    const workers = run.one("docker:index/network:Network", "cell-workers").inputs;
    assert.equal(workers.name, "iw-workers");
    assert.equal(workers.internal, true);
    assert.deepEqual(workers.ipamConfigs, [{ subnet: "10.210.0.0/22", gateway: "10.210.0.1" }]);
    assert.deepEqual(workers.options, {
      "com.docker.network.bridge.name": "iw-workers",
      "com.docker.network.bridge.enable_icc": "false",
    });
    for (const name of ["cell-edge", "cell-modelDb"]) {
      assert.equal(run.one("docker:index/network:Network", name).inputs.internal, true, name);
    }
  });
});
