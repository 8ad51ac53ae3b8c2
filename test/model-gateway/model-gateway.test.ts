import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ModelGateway, type ModelGatewayArgs } from "../../components/model-gateway";
import { parseCidr } from "../../lib/net";
import { DEFAULT_PLANS } from "../../lib/plans";
import { renderLitellmConfig } from "../../lib/render/litellm";
import { isSecretValue, plain, unwrap } from "../support/cell";
import { type Declared, declareUnderMocks } from "./declare";

// Throwaway credentials, made per run.
const SECRETS = {
  masterKey: `sk-${randomBytes(12).toString("hex")}`,
  databasePassword: randomBytes(12).toString("hex"),
  anthropic: `anthropic-${randomBytes(12).toString("hex")}`,
  google: `google-${randomBytes(12).toString("hex")}`,
  keySecret: randomBytes(32).toString("hex"),
};

const ARGS: ModelGatewayArgs = {
  cell: "dev",
  host: { kind: "local" },
  image: `ghcr.io/berriai/litellm:v1.101.0-stable@sha256:${"a".repeat(64)}`,
  databaseImage: "postgres:16.11-bookworm",
  workers: parseCidr("10.210.0.0/22")!,
  networks: { workers: "iw-workers", egress: "iw-egress", modelDb: "iw-modeldb" },
  models: [
    { name: "claude-haiku", provider: "anthropic", model: "claude-haiku-4-5" },
    { name: "gemini-flash", provider: "google", model: "gemini-2.5-flash" },
  ],
  proxyBudget: { maxBudgetUsd: 500, budgetDuration: "30d" },
  masterKey: SECRETS.masterKey,
  databasePassword: SECRETS.databasePassword,
  providerKeys: { anthropic: SECRETS.anthropic, google: SECRETS.google },
  keySecret: SECRETS.keySecret,
};

function container(resources: Declared[], name: string): Declared {
  const found = resources.find(
    (r) => r.type === "docker:index/container:Container" && r.inputs.name === name,
  );
  assert.ok(found, `container ${name} declared`);
  return found;
}

describe("ModelGateway", () => {
  test("publishes the admin API on the host's loopback only and sits at .3 on the workers bridge", async () => {
    const resources = await declareUnderMocks(() => new ModelGateway("model-gateway", ARGS));
    const litellm = container(resources, "iw-model-gateway").inputs;
    assert.deepEqual(
      litellm.ports.map((p: any) => [p.ip, p.internal, p.external]),
      [["127.0.0.1", 4000, 4000]],
    );
    assert.deepEqual(litellm.networksAdvanced, [
      { name: "iw-workers", ipv4Address: "10.210.0.3" },
      { name: "iw-egress" },
      { name: "iw-modeldb" },
    ]);
    assert.match(litellm.healthcheck.tests.join(" "), /\/health\/liveliness/);
  });

  test("gives LiteLLM every variable its config names, as one secret, and no upstream override", async () => {
    const resources = await declareUnderMocks(() => new ModelGateway("model-gateway", ARGS));
    const litellm = container(resources, "iw-model-gateway").inputs;
    assert.ok(isSecretValue(litellm.envs));
    const env = new Map(
      plain<string[]>(litellm.envs).map((e) => e.split(/=(.*)/s, 2) as [string, string]),
    );
    const config = litellm.uploads[0].content as string;
    assert.equal(config, renderLitellmConfig(ARGS));
    for (const [, name] of config.matchAll(/os\.environ\/([A-Z_]+)/g))
      assert.ok(env.has(name), name);
    assert.equal(env.get("ANTHROPIC_API_KEY"), SECRETS.anthropic);
    assert.deepEqual(
      [...env.keys()].filter((k) => k.endsWith("_BASE_URL")),
      [],
    );
    assert.equal(parse(config).general_settings.master_key, "os.environ/LITELLM_MASTER_KEY");
  });

  test("keeps Postgres on its internal network with a named data volume and no published port", async () => {
    const resources = await declareUnderMocks(() => new ModelGateway("model-gateway", ARGS));
    const db = container(resources, "iw-model-db").inputs;
    assert.deepEqual(db.networksAdvanced, [{ name: "iw-modeldb" }]);
    assert.equal(db.ports, undefined);
    assert.deepEqual(db.volumes, [
      { volumeName: "iw-model-db-data", containerPath: "/var/lib/postgresql/data" },
    ]);
    assert.ok(isSecretValue(db.envs));
  });

  test("registers each worker's key through a host command fed the secrets on stdin", async () => {
    const userA = randomUUID();
    const userB = randomUUID();
    const keys: Promise<string>[] = [];
    const secrecy: Promise<boolean>[] = [];
    const resources = await declareUnderMocks(() => {
      const gateway = new ModelGateway("model-gateway", ARGS);
      for (const [slug, userId] of [
        ["alice", userA],
        ["bob-b", userB],
      ]) {
        const key = gateway.workerKey({
          cell: "dev",
          slug,
          userId,
          planName: "simple",
          plan: DEFAULT_PLANS.simple,
          state: "active",
        });
        keys.push(unwrap(key));
        secrecy.push(pulumi.isSecret(key));
      }
    });
    const [a, b] = await Promise.all(keys);
    assert.deepEqual(await Promise.all(secrecy), [true, true]);
    assert.notEqual(a, b);
    const command = resources.find((r) => r.name === "model-gateway-key-alice");
    assert.ok(command);
    assert.ok(isSecretValue(command.inputs.stdin));
    assert.equal(plain(command.inputs.stdin), `${SECRETS.masterKey}\n${a}\n`);
    for (const field of ["create", "update", "delete"]) {
      const script: string = plain(command.inputs[field]);
      assert.equal(script.includes(a) || script.includes(SECRETS.masterKey), false, field);
    }
    assert.match(plain(command.inputs.delete), /\/key\/delete/);
  });

  test("refuses a LiteLLM release older than the advisories' fix", async () => {
    const image = "ghcr.io/berriai/litellm:v1.81.0-stable";
    await assert.rejects(
      declareUnderMocks(() => new ModelGateway("old", { ...ARGS, image })),
      {
        message:
          "Model gateway image `ghcr.io/berriai/litellm:v1.81.0-stable` is LiteLLM 1.81.0, which CVE-2026-42271 and CVE-2026-42208 affect (accepted: 1.83.7 or later, e.g. ghcr.io/berriai/litellm:v1.101.0-stable).",
      },
    );
  });

  test("refuses a model whose provider has no key", async () => {
    const providerKeys = { anthropic: SECRETS.anthropic };
    await assert.rejects(
      declareUnderMocks(() => new ModelGateway("nokey", { ...ARGS, providerKeys })),
      {
        message:
          "The model gateway has no API key for provider `google` its models use (accepted: set googleApiKey as a secret).",
      },
    );
  });
});
