/** The pids limit is proven through the program's mechanism: created stopped, limited, read back, started. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { workerPidsLimit } from "../../policy/policies/worker-pids-limit";
import { messages, startCommand, startCommandProps, worker, workerProps } from "./fixtures";

const W = "Worker container `iw-worker-ada`";

function withScript(edit: (lines: string[]) => string[]) {
  const props = startCommandProps();
  props.create = edit(props.create.split("\n")).join("\n");
  return startCommand(props);
}

test("passes a worker created stopped and started by its limiting command", async () => {
  assert.deepEqual(await messages(workerPidsLimit, [worker(), startCommand()]), []);
});

test("passes the command chained with && on one line", async () => {
  const chained = withScript((lines) => [lines.join(" && ")]);
  assert.deepEqual(await messages(workerPidsLimit, [worker(), chained]), []);
});

test("reports a worker that starts on creation, before any limit", async () => {
  const props = workerProps();
  props.start = true;
  assert.deepEqual(await messages(workerPidsLimit, [worker(props), startCommand()]), [
    `${W} must be created stopped (\`start: false\`) so its pids limit is in force before its first process; \`start\` is \`true\``,
  ]);
});

test("reports a worker that no command starts", async () => {
  assert.deepEqual(await messages(workerPidsLimit, [worker()]), [
    `${W} must be started by a command under the same parent whose \`triggers\` include its id`,
  ]);
});

test("reports a start command that is not replaced with the container", async () => {
  const props = startCommandProps();
  props.triggers = ["some-digest"];
  assert.deepEqual(await messages(workerPidsLimit, [worker(), startCommand(props)]), [
    `${W} must be started by a command under the same parent whose \`triggers\` include its id`,
  ]);
});

test("reports a start command under another parent", async () => {
  const other = { ...startCommand(), parent: "urn:pulumi:dev::instantworker::x:y:Z::elsewhere" };
  assert.deepEqual(await messages(workerPidsLimit, [worker(), other]), [
    `${W} must be started by a command under the same parent whose \`triggers\` include its id`,
  ]);
});

test("reports a limit above the configured maximum", async () => {
  const loose = startCommand(startCommandProps("worker-ada-container-id", 500));
  assert.deepEqual(await messages(workerPidsLimit, [worker(), loose]), [
    `${W} must have a pids limit between 1 and 200; its start command sets 500`,
  ]);
});

test("reports an unlimited pids setting", async () => {
  const unlimited = startCommand(startCommandProps("worker-ada-container-id", -1));
  assert.deepEqual(await messages(workerPidsLimit, [worker(), unlimited]), [
    `${W} must have a pids limit between 1 and 200; its start command sets -1`,
  ]);
});

test("takes the maximum from pack configuration", async () => {
  const found = await messages(workerPidsLimit, [worker(), startCommand()], { maxPidsLimit: 100 });
  assert.deepEqual(found, [
    `${W} must have a pids limit between 1 and 100; its start command sets 200`,
  ]);
});

test("reports a start command with no docker update", async () => {
  const found = await messages(workerPidsLimit, [worker(), withScript((l) => [l[0], l[3]])]);
  assert.deepEqual(found, [
    `${W} must have its pids limit set with \`docker update --pids-limit\` on its id before it starts`,
  ]);
});

test("reports a start command that never reads the limit back", async () => {
  const found = await messages(workerPidsLimit, [worker(), withScript((l) => [l[0], l[1], l[3]])]);
  assert.deepEqual(found, [
    `${W} must have its pids limit read back with \`docker inspect\` (\`PidsLimit\` = 200) before it starts`,
  ]);
});

test("reports a start command that starts the worker before reading the limit back", async () => {
  const found = await messages(workerPidsLimit, [
    worker(),
    withScript((l) => [l[0], l[1], l[3], l[2]]),
  ]);
  assert.deepEqual(found, [
    `${W} must be started with \`docker start\` only after its pids limit is read back`,
  ]);
});

test("reports a start command that carries on after a failed step", async () => {
  const found = await messages(workerPidsLimit, [worker(), withScript((l) => l.slice(1))]);
  assert.deepEqual(found, [
    `${W} must be started by a script that stops at the first failure (\`set -e\`)`,
  ]);
});
