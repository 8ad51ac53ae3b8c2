import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test, type TestContext } from "node:test";
import { webhookSink } from "../../ops/alerts";
import { parseCellFile } from "../../ops/cell-file";
import { dockerApi } from "../../ops/docker-api";
import { memoryLogger } from "../../ops/log";
import { runHealth } from "../../ops/monitors/health";
import { dockerAvailable, requireComponent } from "../support/requires";
import { BASE_IMAGE, docker, imageExists, suffix } from "./support/docker";
import { assertAlertShape, startReceiver } from "./support/receiver";

const id = suffix();
const cellName = `health-${id}`;
const sick = `sick-${id}`;
const fine = `fine-${id}`;
const nameOf = (slug: string) => `iw-worker-${slug}`;
const cell = parseCellFile(
  JSON.stringify({
    cell: cellName,
    workersSubnet: "10.210.0.0/22",
    workers: [
      { slug: sick, slot: 0, state: "active" },
      { slug: fine, slot: 1, state: "active" },
      { slug: `gone-${id}`, slot: 2, state: "active" },
    ],
  }),
  "test",
);

function startWorker(slug: string, healthy: boolean): void {
  docker(
    "run",
    "--detach",
    "--name",
    nameOf(slug),
    "--network",
    "none",
    "--pids-limit",
    "50",
    "--label",
    `instantworker.cell=${cellName}`,
    "--label",
    `instantworker.slug=${slug}`,
    "--label",
    "instantworker.role=worker",
    "--health-cmd",
    healthy ? "true" : "false",
    "--health-interval",
    "1s",
    "--health-retries",
    "1",
    BASE_IMAGE,
    "sleep",
    "600",
  );
}

const status = (slug: string) =>
  docker("inspect", "--format", "{{.State.Health.Status}}", nameOf(slug));
const startedAt = (slug: string) =>
  docker("inspect", "--format", "{{.State.StartedAt}}", nameOf(slug));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let ready = false;
let work = "";
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  if (!dockerAvailable() || !imageExists(BASE_IMAGE)) return;
  work = mkdtempSync(join(tmpdir(), "iw-health-"));
  receiver = await startReceiver();
  startWorker(sick, false);
  startWorker(fine, true);
  ready = true;
});
after(async () => {
  for (const slug of [sick, fine]) {
    try {
      docker("rm", "--force", nameOf(slug));
    } catch {
      // never created
    }
  }
  await receiver?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});
const gate = (t: TestContext) =>
  requireComponent(t, `docker with image ${BASE_IMAGE}`, () => ready);

test("restarts an unhealthy worker, then raises a restart-loop alarm and stops restarting", async (t) => {
  if (!(await gate(t))) return;
  const log = memoryLogger();
  const options = {
    api: dockerApi(),
    cell,
    statePath: join(work, "health.json"),
    sink: webhookSink(receiver.url, log),
    log,
    loopRestarts: 2,
  };
  await until(() => status(sick) === "unhealthy" && status(fine) === "healthy", "health states");
  const firstStart = startedAt(sick);
  const first = await runHealth(options);
  assert.deepEqual(
    first.map((a) => [a.slug, a.kind]),
    [
      [sick, "worker-restarted"],
      [`gone-${id}`, "worker-missing"],
    ],
  );
  assert.notEqual(startedAt(sick), firstStart, "the container was really restarted");

  await until(() => status(sick) === "unhealthy", "unhealthy again");
  assert.equal((await runHealth(options)).find((a) => a.slug === sick)?.kind, "worker-restarted");
  await until(() => status(sick) === "unhealthy", "unhealthy a third time");
  const restartedAt = startedAt(sick);
  const third = await runHealth(options);
  assert.equal(third.find((a) => a.slug === sick)?.kind, "restart-loop");
  assert.equal(startedAt(sick), restartedAt, "no restart once the loop is detected");
  assert.equal(
    third.some((a) => a.slug === fine),
    false,
    "the healthy worker is left alone",
  );

  const bodies = receiver.received.map((r) => r.body);
  assert.ok(
    bodies.some((b) => b.kind === "restart-loop" && b.slug === sick && b.cell === cellName),
  );
  for (const body of bodies) assert.deepEqual(assertAlertShape(body, cellName), []);
});
