/** The whole cell program under Pulumi's mocks (a stand-in for the engine): what reaches the workers. */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { modelKey } from "../../lib/model-gateway/keys";
import {
  type DeclaredResource,
  declareCellUnderMocks,
  isSecretValue,
  type MockRun,
  plain,
  TEST_SECRETS,
} from "../support/cell";
import { validRoster } from "../program/fixtures";

const CONTAINER = "docker:index/container:Container";
const CREDENTIALS = [
  "anthropicApiKey",
  "openaiApiKey",
  "googleApiKey",
  "modelGatewayMasterKey",
  "modelDbPassword",
  "modelKeySecret",
];

function environment(worker: DeclaredResource): Map<string, string> {
  return new Map(
    plain<string[]>(worker.inputs.envs).map((e) => e.split(/=(.*)/s, 2) as [string, string]),
  );
}

describe("model keys in the cell program", () => {
  let run: MockRun;
  let workers: DeclaredResource[];
  const roster = validRoster() as { user_id: string; slug: string; state: string }[];
  before(async () => {
    run = await declareCellUnderMocks({ roster });
    workers = run
      .byType(CONTAINER)
      .filter((c) =>
        c.inputs.labels?.some((l: any) => l.label === "instantworker.role" && l.value === "worker"),
      );
  });

  test("gives no worker a provider key, the gateway's master key or the key secret", () => {
    assert.ok(workers.length >= 2);
    for (const worker of workers) {
      const text = plain<string[]>(worker.inputs.envs).join("\n");
      for (const name of CREDENTIALS) {
        assert.equal(
          text.includes(TEST_SECRETS[name]),
          false,
          `${worker.inputs.name} holds ${name}`,
        );
      }
      const names = [...environment(worker).keys()];
      assert.deepEqual(
        names.filter((n) => /_API_KEY$|MASTER|DATABASE_URL|_BASE_URL$/.test(n)),
        [],
      );
    }
  });

  test("gives every worker its own derived model key, in an environment marked secret", () => {
    const keys = workers.map((w) => environment(w).get("IW_MODEL_KEY"));
    assert.equal(new Set(keys).size, workers.length);
    for (const worker of workers) {
      assert.ok(
        isSecretValue(worker.inputs.envs),
        `${worker.inputs.name} environment is not secret`,
      );
      const slug = worker.inputs.name.replace(/^iw-worker-/, "");
      const row = roster.find((r) => r.slug === slug)!;
      assert.equal(
        environment(worker).get("IW_MODEL_KEY"),
        modelKey(TEST_SECRETS.modelKeySecret, row.user_id),
      );
    }
  });

  test("registers a key for every roster row, blocked for a suspended one, fed secrets on stdin", () => {
    const commands = run.byType("command:local:Command");
    for (const row of roster) {
      const command = commands.find((c) => c.name.endsWith(`-key-${row.slug}`));
      assert.ok(command, `no key command for ${row.slug}`);
      assert.ok(isSecretValue(command.inputs.stdin), `${row.slug} key stdin is not secret`);
      const last = plain<string>(command.inputs.create).trim().split("\n").at(-1);
      const ending = row.state === "suspended" ? "/key/block" : "/key/unblock";
      assert.match(last ?? "", new RegExp(`^call '[^']+' 'POST' '${ending}'`), row.slug);
    }
  });
});
