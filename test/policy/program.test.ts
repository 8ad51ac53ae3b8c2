/**
 * The whole pack over the real cell program's resources, declared under Pulumi's mocks (a stand-in for
 * the engine, which cannot run here): the program passes clean, and every hardening field of its real
 * worker, flipped one at a time, makes the pack report a mandatory violation.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { formatViolations, type PackResource, runPack } from "../../policy/lib/runner";
import { packResourcesUnderMocks, realisticRoster, STACKS } from "../../scripts/policy-check";
import { stackConfig } from "../support/cell";
import { randomText } from "./fixtures";

const CONTAINER = "docker:index/container:Container";

const declared = new Map<string, PackResource[]>();

before(async () => {
  for (const stack of STACKS) {
    const roster = realisticRoster(String(stackConfig(stack).cell));
    declared.set(stack, await packResourcesUnderMocks({ stack, roster }));
  }
});

for (const stack of STACKS) {
  test(`the ${stack} cell with a realistic roster passes the whole pack with no violation`, async () => {
    const resources = declared.get(stack)!;
    const kinds = new Set(resources.map((r) => r.type));
    for (const kind of [CONTAINER, "docker:index/volume:Volume", "docker:index/network:Network"]) {
      assert.ok(kinds.has(kind), `the ${stack} program declares no ${kind}`);
    }
    const violations = await runPack(resources);
    assert.equal(violations.length, 0, `\n${formatViolations(violations)}`);
  });
}

type Flip = [string, string, (r: Record<string, any>) => void];
const env = (r: Record<string, any>, name: string, value?: string) => {
  r.envs = r.envs.filter((e: string) => !e.startsWith(`${name}=`));
  if (value !== undefined) r.envs.push(`${name}=${value}`);
};

/** Every worker field the pack covers, each with the policy that must catch its flip. */
const WORKER_FLIPS: Flip[] = [
  ["drops no capability", "worker-capabilities-dropped", (c) => (c.capabilities = { drops: [] })],
  [
    "adds a capability",
    "worker-capabilities-dropped",
    (c) => (c.capabilities.adds = ["NET_ADMIN"]),
  ],
  ["loses no-new-privileges", "worker-no-new-privileges", (c) => (c.securityOpts = [])],
  ["turns seccomp off", "worker-default-seccomp", (c) => c.securityOpts.push("seccomp=unconfined")],
  ["starts on creation", "worker-pids-limit", (c) => (c.start = true)],
  ["loses its memory limit", "worker-resource-limits", (c) => delete c.memory],
  ["may swap", "worker-resource-limits", (c) => (c.memorySwap = -1)],
  ["loses its CPU limit", "worker-resource-limits", (c) => delete c.cpus],
  ["gets a writable root", "worker-read-only-root", (c) => (c.readOnly = false)],
  ["runs as root", "worker-non-root-user", (c) => (c.user = "0:0")],
  ["runs as the image's user", "worker-non-root-user", (c) => delete c.user],
  ["runs privileged", "worker-not-privileged", (c) => (c.privileged = true)],
  ["shares the host network", "worker-no-host-namespaces", (c) => (c.networkMode = "host")],
  ["shares the host PID namespace", "worker-no-host-namespaces", (c) => (c.pidMode = "host")],
  ["shares the host IPC namespace", "worker-no-host-namespaces", (c) => (c.ipcMode = "host")],
  ["shares the host user namespace", "worker-no-host-namespaces", (c) => (c.usernsMode = "host")],
  ["gets a device", "worker-no-devices", (c) => (c.devices = [{ hostPath: "/dev/fuse" }])],
  ["gets a GPU", "worker-no-devices", (c) => (c.gpus = "all")],
  [
    "mounts a host path",
    "worker-no-host-mounts",
    (c) => c.volumes.push({ hostPath: "/srv", containerPath: "/srv" }),
  ],
  [
    "gets the Docker socket",
    "worker-no-host-mounts",
    (c) => (c.mounts = [{ type: "bind", source: "/var/run/docker.sock", target: "/d" }]),
  ],
  [
    "publishes a port",
    "worker-no-published-ports",
    (c) => (c.ports = [{ internal: 18789, external: 18789 }]),
  ],
  ["publishes all ports", "worker-no-published-ports", (c) => (c.publishAllPorts = true)],
  [
    "joins the egress network",
    "worker-workers-network-only",
    (c) => c.networksAdvanced.push({ name: "iw-egress" }),
  ],
  [
    "runs a moving image",
    "container-image-pinned",
    (c) => (c.image = "instantworker/worker:latest"),
  ],
  [
    "is relabelled as the edge proxy",
    "container-role-known",
    (c) => (c.labels.find((l: any) => l.label === "instantworker.role").value = "edge-proxy"),
  ],
  [
    "holds a provider key variable",
    "worker-no-provider-keys",
    (c) => env(c, "ANTHROPIC_API_KEY", ""),
  ],
  [
    "holds a key-shaped value",
    "worker-no-provider-keys",
    (c) => env(c, "IW_MODELS", `sk-ant-api03-${randomText(40)}`),
  ],
  [
    "holds a key in a label",
    "worker-no-provider-keys",
    (c) => c.labels.push({ label: "k", value: `AIza${randomText(35)}` }),
  ],
  [
    "holds a provider key as its model key",
    "worker-no-provider-keys",
    (c) => env(c, "IW_MODEL_KEY", `sk-proj-${randomText(40)}`),
  ],
  [
    "gets an extra variable",
    "worker-environment-contract",
    (c) => env(c, "NODE_OPTIONS", "--inspect=0.0.0.0"),
  ],
  [
    "calls models directly",
    "worker-environment-contract",
    (c) => env(c, "IW_MODEL_GATEWAY_URL", "https://api.openai.com/v1"),
  ],
  [
    "bypasses the egress proxy",
    "worker-environment-contract",
    (c) => env(c, "HTTPS_PROXY", "http://10.210.0.9:3128"),
  ],
  ["gets a gateway token", "worker-gateway-auth", (c) => env(c, "OPENCLAW_GATEWAY_TOKEN", "x")],
  ["trusts another proxy", "worker-gateway-auth", (c) => env(c, "IW_EDGE_PROXY", "10.210.0.9")],
  ["allows no single user", "worker-gateway-auth", (c) => env(c, "IW_USER_ID", "*")],
];

const START_FLIPS: Flip[] = [
  ["is not replaced with its container", "worker-pids-limit", (s) => (s.triggers = ["fixed"])],
  [
    "sets a higher pids limit",
    "worker-pids-limit",
    (s) => (s.create = s.create.replace(/200/g, "4096")),
  ],
  [
    "never reads the limit back",
    "worker-pids-limit",
    (s) => (s.create = s.create.replace(/^test .*$/m, "")),
  ],
  [
    "carries on after a failure",
    "worker-pids-limit",
    (s) => (s.create = s.create.replace(/^set -eu$/m, "")),
  ],
  [
    "never sets a limit",
    "worker-pids-limit",
    (s) => (s.create = s.create.replace(/^docker update .*$/m, "")),
  ],
];

const NETWORK_FLIPS: Flip[] = [
  ["workers network is not internal", "workers-network-closed", (n) => (n.internal = false)],
  [
    "workers network lets workers talk",
    "workers-network-closed",
    (n) => (n.options["com.docker.network.bridge.enable_icc"] = "true"),
  ],
];

/** The cell around the workers: services, networks and the prod host's firewall, by resource name. */
const CELL_FLIPS: Array<[string, string, Flip]> = [
  [
    "prod",
    "cell-host-firewall",
    [
      "opens SSH to the world",
      "host-ssh-restricted",
      (f) => f.rules.find((r: any) => r.port === "22").sourceIps.push("0.0.0.0/0"),
    ],
  ],
  [
    "prod",
    "cell-host-firewall",
    [
      "opens 443 to the world",
      "host-web-cloudflare-only",
      (f) => f.rules.find((r: any) => r.port === "443").sourceIps.push("::/0"),
    ],
  ],
  [
    "prod",
    "cell-host-firewall",
    [
      "opens every port to one address",
      "host-web-cloudflare-only",
      (f) =>
        f.rules.push({
          direction: "in",
          protocol: "tcp",
          port: "any",
          sourceIps: ["198.51.100.7/32"],
        }),
    ],
  ],
  [
    "dev",
    "edge-gatekeeper",
    [
      "joins the egress network",
      "service-networks-restricted",
      (c) => c.networksAdvanced.push({ name: "iw-egress" }),
    ],
  ],
  [
    "dev",
    "model-gateway-db",
    [
      "joins the egress network",
      "service-networks-restricted",
      (c) => c.networksAdvanced.push({ name: "iw-egress" }),
    ],
  ],
  [
    "prod",
    "edge-caddy",
    ["runs a moving image", "container-image-pinned", (c) => (c.image = "caddy:latest")],
  ],
  [
    "dev",
    "egress-proxy-squid",
    ["loses its role label", "container-role-known", (c) => (c.labels = [])],
  ],
  ["dev", "cell-edge", ["is not internal", "workers-network-closed", (n) => (n.internal = false)]],
];

async function expectCaught(
  stack: string,
  pick: (r: PackResource) => boolean,
  [what, policy, flip]: Flip,
  where: "props" | "opts" = "props",
) {
  const resources: PackResource[] = structuredClone(declared.get(stack)!);
  const target = resources.find(pick);
  assert.ok(target, `the ${stack} program declares no resource to flip for "${what}"`);
  flip(target[where]);
  const violations = await runPack(resources);
  const caught = violations.filter(
    (v) => v.enforcementLevel === "mandatory" && v.policy === policy,
  );
  assert.ok(
    caught.length > 0,
    `flipping "${what}" passed the pack:\n${formatViolations(violations)}`,
  );
}

const isWorker = (slug: string) => (r: PackResource) =>
  r.type === CONTAINER && r.props.name === `iw-worker-${slug}`;

describe("mutation: each hardening field of the program's real worker, flipped alone", () => {
  // ada's templates need a browser, so her worker also carries the egress proxy settings.
  for (const flip of WORKER_FLIPS) {
    test(`a worker that ${flip[0]} is a mandatory ${flip[1]} violation`, () =>
      expectCaught("dev", isWorker("ada"), flip));
  }
  for (const flip of START_FLIPS) {
    test(`a start command that ${flip[0]} is a mandatory ${flip[1]} violation`, () =>
      expectCaught(
        "dev",
        (r) => r.type.startsWith("command:") && r.name === "worker-ada-start",
        flip,
      ));
  }
  for (const flip of NETWORK_FLIPS) {
    test(`a ${flip[0]}: mandatory ${flip[1]} violation`, () =>
      expectCaught(
        "dev",
        (r) => r.type === "docker:index/network:Network" && r.props.name === "iw-workers",
        flip,
      ));
  }
  for (const [stack, name, flip] of CELL_FLIPS) {
    test(`${stack}: \`${name}\` that ${flip[0]} is a mandatory ${flip[1]} violation`, () =>
      expectCaught(stack, (r) => r.name === name, flip));
  }
  test("a worker data volume not retained on delete is a mandatory worker-data-retained violation", () =>
    expectCaught(
      "dev",
      (r) => r.type === "docker:index/volume:Volume" && r.props.name === "iw-data-ada",
      ["is not retained", "worker-data-retained", (o) => (o.retainOnDelete = false)],
      "opts",
    ));
  test("a suspended worker's data volume not retained is caught too", () =>
    expectCaught(
      "prod",
      (r) => r.type === "docker:index/volume:Volume" && r.props.name === "iw-data-margaret",
      ["is not retained", "worker-data-retained", (o) => (o.retainOnDelete = false)],
      "opts",
    ));
});
