/** What a worker may hold: only its own model key, the contract's variables and a proxy-only gateway. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { workerEnvironmentContract } from "../../policy/policies/worker-environment-contract";
import { workerGatewayAuth } from "../../policy/policies/worker-gateway-auth";
import { workerNoProviderKeys } from "../../policy/policies/worker-no-provider-keys";
import type { PackPolicy } from "../../policy/lib/runner";
import { messages, randomText, worker, workerProps } from "./fixtures";

const W = "Worker container `iw-worker-ada`";
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function jwt(payload: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part(payload)}.${randomText(43, B64)}`;
}

/** Throwaway values in each provider's key shape, generated per run. */
const KEYS: Array<[string, () => string, string]> = [
  ["an Anthropic key", () => `sk-ant-api03-${randomText(40, B64)}`, "Anthropic"],
  ["an OpenAI key", () => `sk-proj-${randomText(40, B64)}`, "OpenAI-style"],
  [
    "another worker's model key",
    () => `sk-iw-${randomText(64, "0123456789abcdef")}`,
    "OpenAI-style",
  ],
  ["a Google key", () => `AIza${randomText(35, B64)}`, "Google"],
  ["a Stripe secret key", () => `sk_live_${randomText(24, B64)}`, "Stripe"],
  ["a Stripe restricted key", () => `rk_live_${randomText(24, B64)}`, "Stripe"],
  ["a Stripe webhook secret", () => `whsec_${randomText(32, B64)}`, "Stripe webhook"],
  [
    "a Supabase service-role JWT",
    () => jwt({ iss: "supabase", role: "service_role" }),
    "Supabase service-role",
  ],
  ["a Hetzner token", () => `Ab1${randomText(61, B64)}`, "Hetzner"],
  ["a Cloudflare token", () => `Ab1${randomText(37, B64)}`, "Cloudflare"],
];

function withEnv(entry: string, props = workerProps()) {
  props.envs.push(entry);
  return worker(props);
}

describe("worker-no-provider-keys", () => {
  test("passes the compliant worker, whose only key is its own model key", async () => {
    assert.deepEqual(await messages(workerNoProviderKeys, [worker()]), []);
  });
  for (const [what, make, shape] of KEYS) {
    test(`reports ${what} in the environment without echoing it`, async () => {
      const found = await messages(workerNoProviderKeys, [withEnv(`IW_TEMPLATE_HINT=${make()}`)]);
      assert.deepEqual(found, [
        `${W} must hold no provider key; \`IW_TEMPLATE_HINT\` holds a ${shape} key`,
      ]);
    });
    test(`reports ${what} in a label`, async () => {
      const props = workerProps();
      props.labels.push({ label: "note", value: make() });
      assert.deepEqual(await messages(workerNoProviderKeys, [worker(props)]), [
        `${W} must hold no provider key; label \`note\` holds a ${shape} key`,
      ]);
    });
  }
  test("reports a variable named like a provider credential, whatever it holds", async () => {
    assert.deepEqual(await messages(workerNoProviderKeys, [withEnv("ANTHROPIC_API_KEY=")]), [
      `${W} must hold no credential; its environment sets \`ANTHROPIC_API_KEY\``,
    ]);
  });
  test("reports a gateway token variable", async () => {
    assert.deepEqual(await messages(workerNoProviderKeys, [withEnv("OPENCLAW_GATEWAY_TOKEN=x")]), [
      `${W} must hold no credential; its environment sets \`OPENCLAW_GATEWAY_TOKEN\``,
    ]);
  });
  test("reports a provider key in place of the worker's own model key", async () => {
    const props = workerProps();
    props.envs = props.envs.map((e: string) =>
      e.startsWith("IW_MODEL_KEY=") ? `IW_MODEL_KEY=sk-ant-api03-${randomText(40, B64)}` : e,
    );
    assert.deepEqual(await messages(workerNoProviderKeys, [worker(props)]), [
      `${W} must hold only its own \`sk-iw-\` model key in \`IW_MODEL_KEY\``,
    ]);
  });
  test("leaves the subscriber's own assistant name alone, even when it looks like a key", async () => {
    const props = workerProps();
    props.envs[5] = `IW_ASSISTANT_NAME=sk-ant-api03-${randomText(40, B64)}`;
    assert.deepEqual(await messages(workerNoProviderKeys, [worker(props)]), []);
  });
  test("does not mistake a 40-character slug or a uuid for a token", async () => {
    const props = workerProps();
    props.labels.push({ label: "instantworker.slug", value: `a${"b1-".repeat(13)}c` });
    assert.deepEqual(await messages(workerNoProviderKeys, [worker(props)]), []);
  });
});

function replaceEnv(name: string, value: string | undefined) {
  const props = workerProps();
  props.envs = props.envs.filter((e: string) => !e.startsWith(`${name}=`));
  if (value !== undefined) props.envs.push(`${name}=${value}`);
  return worker(props);
}

const CONTRACT_CASES: Array<[string, () => ReturnType<typeof worker>, string[]]> = [
  [
    "sets a variable outside the contract",
    () => withEnv("NODE_OPTIONS=--inspect"),
    [`${W} must set only the worker contract's variables; it sets \`NODE_OPTIONS\``],
  ],
  [
    "sets a variable twice",
    () => withEnv("IW_PLAN=legend"),
    [`${W} must set \`IW_PLAN\` once; it sets it more than once`],
  ],
  [
    "talks to another model endpoint",
    () => replaceEnv("IW_MODEL_GATEWAY_URL", "https://api.anthropic.com/v1"),
    [
      `${W} must reach models only through \`http://10.210.0.3:4000/v1\` (\`IW_MODEL_GATEWAY_URL\`)`,
    ],
  ],
  [
    "bypasses the egress proxy",
    () => replaceEnv("HTTPS_PROXY", "http://10.210.0.9:3128"),
    [
      `${W} must send web traffic through the egress proxy (\`HTTPS_PROXY=http://10.210.0.4:3128\`)`,
    ],
  ],
  [
    "gets the proxy without needing a browser",
    () => replaceEnv("IW_TEMPLATES", "daily-planner"),
    [`${W} must get no egress proxy, because none of its templates needs a browser`],
  ],
  [
    "names an unknown template",
    () => replaceEnv("IW_TEMPLATES", "crypto-miner"),
    [`${W} must name known templates in \`IW_TEMPLATES\`; it names \`crypto-miner\``],
  ],
];

const GATEWAY_CASES: Array<[string, () => ReturnType<typeof worker>, string[]]> = [
  [
    "trusts another proxy",
    () => replaceEnv("IW_EDGE_PROXY", "10.210.0.9"),
    [`${W} must trust only the edge proxy \`10.210.0.2\`; it trusts \`["10.210.0.9"]\``],
  ],
  [
    "carries a gateway token",
    () => withEnv("OPENCLAW_GATEWAY_TOKEN=x"),
    [`${W} must have no gateway token or password; it sets \`OPENCLAW_GATEWAY_TOKEN\``],
  ],
  [
    "carries a gateway password",
    () => withEnv("OPENCLAW_GATEWAY_PASSWORD=x"),
    [`${W} must have no gateway token or password; it sets \`OPENCLAW_GATEWAY_PASSWORD\``],
  ],
  [
    "names no user",
    () => replaceEnv("IW_USER_ID", undefined),
    [
      `${W} must carry an environment its image can render a gateway config from: \`IW_USER_ID\` is not set; expected a lower-case uuid`,
    ],
  ],
  [
    "names several users",
    () =>
      replaceEnv(
        "IW_USER_ID",
        "6f1c2f4e-1d2a-4c3b-9e8f-0a1b2c3d4e01,6f1c2f4e-1d2a-4c3b-9e8f-0a1b2c3d4e02",
      ),
    [
      `${W} must carry an environment its image can render a gateway config from: \`IW_USER_ID\` is \`6f1c2f4e-1d2a-4c3b-9e8f-0a1b2c3d4e01,6f1c2f4e-1d2a-4c3b-9...\`; expected a lower-case uuid`,
    ],
  ],
];

for (const [policy, cases] of [
  [workerEnvironmentContract, CONTRACT_CASES],
  [workerGatewayAuth, GATEWAY_CASES],
] as Array<[PackPolicy, typeof CONTRACT_CASES]>) {
  describe(policy.name, () => {
    test("passes the compliant worker", async () => {
      assert.deepEqual(await messages(policy, [worker()]), []);
    });
    for (const [what, make, expected] of cases) {
      test(`reports a worker that ${what}`, async () => {
        assert.deepEqual(await messages(policy, [make()]), expected);
      });
    }
  });
}

test("worker-gateway-auth checks the edge address of the configured workers subnet", async () => {
  const config = { workersSubnet: "10.220.0.0/22" };
  assert.deepEqual(await messages(workerGatewayAuth, [worker()], config), [
    `${W} must trust only the edge proxy \`10.220.0.2\`; it trusts \`["10.210.0.2"]\``,
  ]);
});
