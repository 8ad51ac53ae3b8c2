/**
 * The cell's model gateway: LiteLLM holding the real provider keys, with its own Postgres on an internal
 * network. Workers reach it at a fixed address on the workers bridge with their own budget-capped key;
 * the admin API is published on the host's loopback only, where the per-worker key scripts call it.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABELS, PORTS, type Role, serviceAddress } from "../lib/cell-contract";
import {
  keyScriptStdin,
  renderEnsureKeyScript,
  renderRemoveKeyScript,
} from "../lib/model-gateway/key-script";
import {
  ensureKeyCalls,
  modelKey,
  removeKeyCalls,
  type WorkerKeySpec,
} from "../lib/model-gateway/keys";
import { checkLitellmImage } from "../lib/model-gateway/images";
import type { Cidr } from "../lib/net";
import {
  type GatewayModel,
  LITELLM_ENV,
  PROVIDER_KEY_ENV,
  type Provider,
  providersIn,
  renderLitellmConfig,
} from "../lib/render/litellm";
import { HostCommand, type HostConnection } from "./host-command";

export interface ModelGatewayArgs {
  cell: string;
  host: HostConnection;
  /** LiteLLM, at or past the release floor in `lib/model-gateway/images.ts`, pinned by digest. */
  image: string;
  /** Postgres (official image layout), pinned. */
  databaseImage: string;
  workers: Cidr;
  networks: {
    workers: pulumi.Input<string>;
    egress: pulumi.Input<string>;
    modelDb: pulumi.Input<string>;
  };
  models: GatewayModel[];
  proxyBudget: { maxBudgetUsd: number; budgetDuration: string };
  masterKey: pulumi.Input<string>;
  databasePassword: pulumi.Input<string>;
  providerKeys: Partial<Record<Provider, pulumi.Input<string>>>;
  /** Secret the worker keys are derived from; changing it rotates every key. */
  keySecret: pulumi.Input<string>;
  /** Host loopback port the admin API is published on. */
  adminPort?: number;
}

export const MODEL_GATEWAY_CONTAINER = "iw-model-gateway";
export const MODEL_DB_CONTAINER = "iw-model-db";
export const MODEL_DB_VOLUME = "iw-model-db-data";
const CONFIG_PATH = "/etc/instantworker/litellm.yaml";
const DB_USER = "litellm";

export class ModelGateway extends pulumi.ComponentResource {
  /** The gateway's fixed address on the workers bridge. */
  readonly address: string;
  /** What workers put in `IW_MODEL_GATEWAY_URL`. */
  readonly url: string;
  readonly adminUrl: string;
  readonly container: docker.Container;
  readonly database: docker.Container;
  readonly databaseVolume: docker.Volume;
  private readonly args: ModelGatewayArgs;
  private readonly baseName: string;

  constructor(name: string, args: ModelGatewayArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Checked before the component registers, so a refusal leaves nothing half-declared behind.
    const warning = checkArgs(args);
    super("instantworker:model:Gateway", name, {}, opts);
    if (warning) pulumi.log.warn(warning, this);

    this.args = args;
    this.baseName = name;
    this.address = serviceAddress(args.workers, "modelGateway");
    this.url = `http://${this.address}:${PORTS.modelGateway}/v1`;
    this.adminUrl = `http://127.0.0.1:${args.adminPort ?? PORTS.modelGateway}`;
    this.databaseVolume = new docker.Volume(
      `${name}-db-data`,
      { name: MODEL_DB_VOLUME, labels: labels(args.cell, "model-db-data") },
      // Spend records and keys outlive any replacement; removing them is an operator's explicit step.
      { parent: this, retainOnDelete: true },
    );
    this.database = this.declareDatabase(name);
    this.container = this.declareGateway(name);
    this.registerOutputs({ address: this.address, url: this.url, adminUrl: this.adminUrl });
  }

  /**
   * Registers a worker's key with its plan (blocked while suspended) and returns the key as a secret for
   * the worker's environment. Leaving the roster deletes the resource, and with it the key.
   */
  workerKey(spec: WorkerKeySpec): pulumi.Output<string> {
    const key = pulumi.secret(
      pulumi.output(this.args.keySecret).apply((s) => modelKey(s, spec.userId)),
    );
    const options = { adminUrl: this.adminUrl };
    const script = renderEnsureKeyScript(ensureKeyCalls(spec), options);
    new HostCommand(
      `${this.baseName}-key-${spec.slug}`,
      {
        host: this.args.host,
        create: script,
        update: script,
        delete: renderRemoveKeyScript(removeKeyCalls(), options),
        stdin: pulumi.secret(
          pulumi.all([this.args.masterKey, key]).apply(([m, k]) => keyScriptStdin(m, k)),
        ),
      },
      { parent: this, dependsOn: [this.container] },
    );
    return key;
  }

  private declareDatabase(name: string): docker.Container {
    const password = pulumi.output(this.args.databasePassword);
    return new docker.Container(
      `${name}-db`,
      {
        name: MODEL_DB_CONTAINER,
        image: this.args.databaseImage,
        envs: pulumi.secret(
          password.apply((p) => [
            `POSTGRES_USER=${DB_USER}`,
            `POSTGRES_PASSWORD=${p}`,
            `POSTGRES_DB=${DB_USER}`,
          ]),
        ),
        volumes: [
          { volumeName: this.databaseVolume.name, containerPath: "/var/lib/postgresql/data" },
        ],
        networksAdvanced: [{ name: this.args.networks.modelDb }],
        // The entrypoint takes ownership of the data directory, then drops to the postgres account.
        capabilities: {
          drops: ["ALL"],
          adds: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"],
        },
        securityOpts: ["no-new-privileges:true"],
        healthcheck: {
          tests: ["CMD", "pg_isready", "-U", DB_USER, "-d", DB_USER],
          interval: "10s",
          timeout: "5s",
          retries: 5,
        },
        memory: 512,
        restart: "unless-stopped",
        labels: labels(this.args.cell, "model-db"),
      },
      { parent: this, deleteBeforeReplace: true },
    );
  }

  private declareGateway(name: string): docker.Container {
    const a = this.args;
    return new docker.Container(
      `${name}-litellm`,
      {
        name: MODEL_GATEWAY_CONTAINER,
        image: a.image,
        command: ["--config", CONFIG_PATH, "--port", String(PORTS.modelGateway)],
        uploads: [{ file: CONFIG_PATH, content: renderLitellmConfig(a) }],
        envs: gatewayEnvironment(a),
        networksAdvanced: [
          { name: a.networks.workers, ipv4Address: this.address },
          { name: a.networks.egress },
          { name: a.networks.modelDb },
        ],
        // Published on the host's loopback only: the admin API is for the key scripts on the host.
        ports: [
          {
            internal: PORTS.modelGateway,
            external: a.adminPort ?? PORTS.modelGateway,
            ip: "127.0.0.1",
          },
        ],
        capabilities: { drops: ["ALL"] },
        securityOpts: ["no-new-privileges:true"],
        healthcheck: {
          tests: ["CMD", "python3", "-c", LIVENESS_PROBE],
          interval: "15s",
          timeout: "5s",
          retries: 4,
          startPeriod: "90s",
        },
        memory: 2048,
        restart: "unless-stopped",
        labels: labels(a.cell, "model-gateway"),
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: [this.database] },
    );
  }
}

function checkArgs(args: ModelGatewayArgs): string | undefined {
  const missing = providersIn(args.models).filter((p) => args.providerKeys[p] === undefined);
  if (missing.length) {
    throw new Error(
      `The model gateway has no API key for provider \`${missing[0]}\` its models use (accepted: set ${missing[0]}ApiKey as a secret).`,
    );
  }
  renderLitellmConfig(args);
  return checkLitellmImage(args.image);
}

/** The image ships Python but no curl; the probe needs no key, `/health/liveliness` is unauthenticated. */
const LIVENESS_PROBE = `import urllib.request; urllib.request.urlopen("http://127.0.0.1:${PORTS.modelGateway}/health/liveliness", timeout=4)`;

/**
 * LiteLLM's own environment, secret as a whole. It carries the provider keys and nothing that would
 * redirect them: no `*_BASE_URL`, which LiteLLM would take as the upstream.
 */
export function gatewayEnvironment(args: ModelGatewayArgs): pulumi.Output<string[]> {
  const providers = providersIn(args.models);
  return pulumi.secret(
    pulumi
      .all([args.masterKey, args.databasePassword, ...providers.map((p) => args.providerKeys[p]!)])
      .apply(([master, password, ...keys]) => [
        `${LITELLM_ENV.masterKey}=${master}`,
        `${LITELLM_ENV.databaseUrl}=postgresql://${DB_USER}:${encodeURIComponent(password)}@${MODEL_DB_CONTAINER}:5432/${DB_USER}`,
        ...providers.map((p, i) => `${PROVIDER_KEY_ENV[p]}=${keys[i]}`),
      ]),
  );
}

function labels(cell: string, role: Role | "model-db-data") {
  return [
    { label: LABELS.cell, value: cell },
    { label: LABELS.role, value: role },
  ];
}
