/**
 * A roster or configuration that cannot be trusted stops the program with sentences naming the row and
 * the field, and not one worker is declared.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  type DeclaredResource,
  type MockOptions,
  declareCellUnderMocks,
  workerContainers,
} from "../support/cell";
import { row, validRoster } from "./fixtures";

/** Runs the program, expecting refusal; returns the message and checks no worker resource exists. */
async function refusal(options: MockOptions): Promise<string> {
  let declared: DeclaredResource[] = [];
  try {
    const run = await declareCellUnderMocks(options);
    declared = run.resources;
  } catch (err) {
    assert.ok(pulumi.RunError.isInstance(err), (err as Error).stack);
    return (err as Error).message;
  }
  assert.fail(`the program declared ${declared.length} resources instead of refusing`);
}

function withRow(n: number, overrides: Parameters<typeof row>[1]) {
  return { roster: [...validRoster(), row(n, overrides)] };
}

describe("refuses a bad roster row by row", () => {
  const cases: [string, MockOptions, string][] = [
    [
      "a slug with a dot",
      withRow(20, { slug: "bad.slug" }),
      'roster row 6 (slug "bad.slug"): `slug` "bad.slug" is not a DNS-safe slug (accepted: 3 to 40 of a-z, 0-9 and -, starting with a letter, no --)',
    ],
    [
      "a slug with an uppercase letter",
      withRow(20, { slug: "Alice" }),
      'roster row 6 (slug "Alice"): `slug` "Alice" is not a DNS-safe slug',
    ],
    [
      "a slug of 64 characters",
      withRow(20, { slug: "a".repeat(64) }),
      '`slug` "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..." is not a DNS-safe slug',
    ],
    [
      "a duplicate slug",
      withRow(20, { slug: "ada" }),
      'roster row 6 (slug "ada"): `slug` "ada" is already used by roster row 1 (accepted: unique within the cell)',
    ],
    [
      "a duplicate slot",
      withRow(20, { slot: 7 }),
      'roster row 6 (slug "user-20"): `slot` 7 is already used by roster row 5',
    ],
    [
      "a slot outside the subnet",
      withRow(20, { slot: 1007 }),
      'roster row 6 (slug "user-20"): `slot` 1007 is outside the workers subnet (accepted: 0 to 1006)',
    ],
    [
      "an unknown plan",
      withRow(20, { plan: "platinum" }),
      'roster row 6 (slug "user-20"): `plan` "platinum" is not a plan (accepted: simple, expert, legend)',
    ],
    [
      "an unknown template",
      withRow(20, { templates: ["crypto-miner"] }),
      'roster row 6 (slug "user-20"): `templates` names unknown template "crypto-miner"',
    ],
    [
      "more templates than the plan allows",
      withRow(20, { templates: ["web-research", "blog-writer"] }),
      'roster row 6 (slug "user-20"): `templates` has 2 templates (accepted: at most 1 on simple)',
    ],
    [
      "a row of another cell",
      withRow(20, { cell: "fsn1-b" }),
      'roster row 6 (slug "user-20"): `cell` "fsn1-b" is not this cell (accepted: dev)',
    ],
    [
      "a user id that is not a uuid",
      withRow(20, { user_id: "42" }),
      'roster row 6 (slug "user-20"): `user_id` "42" is not a uuid',
    ],
  ];
  for (const [what, options, expected] of cases) {
    test(`refuses ${what}, naming the row and the field`, async () => {
      const message = await refusal(options);
      assert.ok(message.includes(expected), `got:\n${message}`);
    });
  }

  test("reports every bad row at once, one line each", async () => {
    const roster = [...validRoster(), row(20, { slug: "a.b" }), row(21, { plan: "gold" })];
    const message = await refusal({ roster });
    assert.equal(message.split("\n").length, 2, message);
  });
});

describe("carries an untrusted assistant name safely", () => {
  const hostile = `Eve "the" O'Neil\n$(rm -rf /)\`id\`; DROP TABLE x; {{x}} \${HOME} - key: [a]\n`;

  test("passes quotes, newlines and shell and YAML metacharacters through as one inert value", async () => {
    const run = await declareCellUnderMocks({ roster: [row(0, { assistant_name: hostile })] });
    const envs = workerContainers(run)[0].inputs.envs;
    const values = (envs.value ?? envs) as string[];
    assert.ok(values.includes(`IW_ASSISTANT_NAME=${hostile}`));
    // The value is one array element: nothing it holds became a variable or a label of its own.
    assert.equal(values.filter((e) => e.startsWith("IW_")).length, 11);
  });

  test("accepts a 10,000-character name and refuses a longer one", async () => {
    const long = "n".repeat(10_000);
    const run = await declareCellUnderMocks({ roster: [row(0, { assistant_name: long })] });
    assert.equal(workerContainers(run).length, 1);
    const message = await refusal({ roster: [row(0, { assistant_name: `${long}n` })] });
    assert.match(message, /`assistant_name` .* is longer than 10000 characters/);
  });
});

describe("refuses bad configuration before declaring anything", () => {
  test("names each bad key with its value and what is accepted, one line each", async () => {
    const message = await refusal({
      config: { kind: "staging", network: { workersSubnet: "10.210.0.0/33" }, zone: "Bad_Zone" },
    });
    const lines = message.split("\n").slice(1);
    assert.deepEqual(
      lines.map((l) => l.trim().split(" ")[1]),
      ["instantworker:kind", "instantworker:zone", "instantworker:network.workersSubnet"],
    );
    assert.ok(message.includes('instantworker:kind = "staging"'), message);
  });

  test("refuses a credential set in plain text without printing it", async () => {
    const value = "sk-plain-text-credential-0123456789";
    const message = await refusal({
      config: { modelKeySecret: value },
      plainKeys: ["modelKeySecret"],
    });
    assert.ok(
      message.includes(
        "instantworker:modelKeySecret is set in plain text (accepted: pulumi config set --secret instantworker:modelKeySecret)",
      ),
      message,
    );
    assert.equal(message.includes(value), false);
  });

  test("refuses an image tagged latest", async () => {
    const message = await refusal({
      config: { images: { ...baseImages(), worker: "instantworker/worker:latest" } },
    });
    assert.match(
      message,
      /instantworker:images\.worker = "instantworker\/worker:latest" is not pinned/,
    );
  });
});

function baseImages(): Record<string, string> {
  return {
    worker: "instantworker/worker:0.1.0",
    edgeProxy: "instantworker/caddy:2.6.2",
    gatekeeper: "instantworker/gatekeeper:0.1.0",
    modelGateway: "ghcr.io/berriai/litellm:v1.101.0-stable",
    modelDb: "instantworker/postgres:15.18",
    egressProxy: "instantworker/squid:5.7",
    cellTools: "instantworker/cell-tools:0.1.0",
  };
}
