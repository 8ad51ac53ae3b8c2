/**
 * Hand-built resources in the providers' input shapes, each compliant with the whole pack. Every test
 * starts from one of them and changes one thing. Key-shaped values are generated per run, never stored.
 */
import { randomBytes } from "node:crypto";
import { CLOUDFLARE_RANGES } from "../../lib/cloudflare-ranges";
import { type PackPolicy, type PackResource, runPack } from "../../policy/lib/runner";

export const WORKER_URN =
  "urn:pulumi:dev::instantworker::docker:index/container:Container::worker-ada-container";
const PARENT = "urn:pulumi:dev::instantworker::instantworker:cell:Worker::worker-ada";
export const USER_ID = "6f1c2f4e-1d2a-4c3b-9e8f-0a1b2c3d4e01";

/** `n` random characters from `alphabet`, for throwaway keys of the right shape. */
export function randomText(n: number, alphabet = "ABCDEFabcdef0123456789"): string {
  return [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join("");
}

export function modelKey(): string {
  return `sk-iw-${randomBytes(32).toString("hex")}`;
}

export function workerEnv(): string[] {
  return [
    "IW_CELL=dev",
    "IW_SLUG=ada",
    `IW_USER_ID=${USER_ID}`,
    "IW_PLAN=simple",
    "IW_TEMPLATES=web-research",
    "IW_ASSISTANT_NAME=Ada",
    "IW_EDGE_PROXY=10.210.0.2",
    "IW_PUBLIC_ORIGIN=https://ada-worker.instantworker.localhost",
    "IW_MODEL_GATEWAY_URL=http://10.210.0.3:4000/v1",
    "IW_MODELS=claude-haiku,gemini-flash",
    "HTTPS_PROXY=http://10.210.0.4:3128",
    "HTTP_PROXY=http://10.210.0.4:3128",
    "NO_PROXY=10.210.0.3,localhost,127.0.0.1",
    `IW_MODEL_KEY=${modelKey()}`,
  ];
}

export function workerProps(): Record<string, any> {
  return {
    id: "worker-ada-container-id",
    name: "iw-worker-ada",
    image: "instantworker/worker:0.1.0",
    user: "10001:10001",
    capabilities: { drops: ["ALL"] },
    securityOpts: ["no-new-privileges:true"],
    privileged: false,
    readOnly: true,
    memory: 2048,
    memorySwap: 2048,
    cpus: "1",
    ipcMode: "private",
    networksAdvanced: [{ name: "iw-workers", ipv4Address: "10.210.0.16" }],
    volumes: [{ volumeName: "iw-data-ada", containerPath: "/data" }],
    tmpfs: { "/tmp": "rw,nosuid,nodev,size=512m" },
    envs: workerEnv(),
    labels: [
      { label: "instantworker.cell", value: "dev" },
      { label: "instantworker.slug", value: "ada" },
      { label: "instantworker.plan", value: "simple" },
      { label: "instantworker.role", value: "worker" },
    ],
    start: false,
  };
}

export function startCommandProps(
  id = "worker-ada-container-id",
  limit = 200,
): Record<string, any> {
  return {
    create: [
      "set -eu",
      `docker update --pids-limit ${limit} ${id} >/dev/null`,
      `test "$(docker inspect -f '{{.HostConfig.PidsLimit}}' ${id})" = "${limit}"`,
      `docker start ${id} >/dev/null`,
    ].join("\n"),
    triggers: [id],
  };
}

export function firewallProps(): Record<string, any> {
  return {
    name: "fsn1-a-host",
    rules: [
      { direction: "in", protocol: "tcp", port: "22", sourceIps: ["203.0.113.10/32"] },
      { direction: "in", protocol: "tcp", port: "80", sourceIps: [...CLOUDFLARE_RANGES] },
      { direction: "in", protocol: "tcp", port: "443", sourceIps: [...CLOUDFLARE_RANGES] },
      { direction: "out", protocol: "tcp", port: "any", destinationIps: ["0.0.0.0/0", "::/0"] },
    ],
  };
}

export function resource(
  type: string,
  name: string,
  props: Record<string, any>,
  extra: Partial<PackResource> = {},
): PackResource {
  return {
    type,
    name,
    urn: `urn:pulumi:dev::instantworker::${type}::${name}`,
    props,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      retainOnDelete: false,
    },
    ...extra,
  };
}

export const CONTAINER = "docker:index/container:Container";

export function worker(props = workerProps()): PackResource {
  return resource(CONTAINER, "worker-ada-container", props, { parent: PARENT });
}

export function startCommand(props = startCommandProps()): PackResource {
  return resource("command:local:Command", "worker-ada-start", props, {
    parent: PARENT,
    dependencies: [WORKER_URN],
  });
}

/** The messages one policy reports over `resources`, with the pack's defaults or `config`. */
export async function messages(
  policy: PackPolicy,
  resources: PackResource[],
  config?: object,
): Promise<string[]> {
  const found = await runPack(resources, {
    policies: [policy],
    config: config ? { [policy.name]: config } : undefined,
  });
  return found.map((v) => v.message);
}
