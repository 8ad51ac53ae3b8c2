/**
 * The container spec of one worker, as a pure function of the roster row, the plan and the cell. The
 * WorkerContainer component only wires it to a resource; the policy pack and the confinement tests read
 * the very same object, so what is proven is what is deployed.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  LABELS,
  PORTS,
  WORKER_DATA_PATH,
  WORKER_UID,
  workerAddress,
  workerContainerName,
  serviceAddress,
  workerHostname,
} from "../cell-contract";
import type { Cidr } from "../net";
import type { Plan } from "../plans";
import type { RosterEntry } from "../roster/types";

export const WORKER_PIDS_LIMIT = 200;

export interface WorkerSpecInput {
  entry: RosterEntry;
  plan: Plan;
  cell: string;
  zone: string;
  image: string;
  workers: Cidr;
  /** The network resource's name, so the container depends on it. */
  networkName: pulumi.Input<string>;
  volumeName: pulumi.Input<string>;
  modelKey: pulumi.Input<string>;
  /** Whether the worker's templates need a browser, which is what grants it the egress proxy. */
  browser: boolean;
}

/** Healthy means the gateway answers `/healthz`; node is the one program every worker image has. */
const HEALTH_PROBE =
  "fetch('http://127.0.0.1:18789/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))";

export function renderWorkerSpec(input: WorkerSpecInput): docker.ContainerArgs {
  const { entry, plan } = input;
  return {
    name: workerContainerName(entry.slug),
    image: input.image,
    hostname: entry.slug,
    user: `${WORKER_UID}:${WORKER_UID}`,
    capabilities: { drops: ["ALL"] },
    securityOpts: ["no-new-privileges:true"],
    privileged: false,
    readOnly: true,
    memory: plan.memoryMb,
    memorySwap: plan.memoryMb,
    cpus: String(plan.cpus),
    shmSize: 512,
    tmpfs: {
      "/tmp": "rw,nosuid,nodev,size=512m",
      "/home/worker": `rw,nosuid,nodev,size=128m,uid=${WORKER_UID},gid=${WORKER_UID},mode=0700`,
      "/run": "rw,nosuid,nodev,noexec,size=16m",
    },
    ipcMode: "private",
    networksAdvanced: [
      { name: input.networkName, ipv4Address: workerAddress(input.workers, entry.slot) },
    ],
    volumes: [{ volumeName: input.volumeName, containerPath: WORKER_DATA_PATH }],
    envs: workerEnv(input),
    labels: [
      { label: LABELS.cell, value: input.cell },
      { label: LABELS.slug, value: entry.slug },
      { label: LABELS.plan, value: entry.plan },
      { label: LABELS.role, value: "worker" },
    ],
    healthcheck: {
      tests: ["CMD", "node", "-e", HEALTH_PROBE],
      interval: "30s",
      timeout: "5s",
      retries: 3,
      startPeriod: "90s",
    },
    restart: "unless-stopped",
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "3" },
    // Created stopped: the pids limit is set by `docker update` before the first process runs.
    start: false,
    mustRun: false,
    // OpenClaw's own shutdown budget is minutes long; its state is in SQLite, which survives a kill.
    stopTimeout: 20,
    destroyGraceSeconds: 25,
  };
}

function workerEnv(input: WorkerSpecInput): pulumi.Input<pulumi.Input<string>[]> {
  const { entry, workers } = input;
  const modelGateway = serviceAddress(workers, "modelGateway");
  const env: pulumi.Input<string>[] = [
    `IW_CELL=${input.cell}`,
    `IW_SLUG=${entry.slug}`,
    `IW_USER_ID=${entry.user_id}`,
    `IW_PLAN=${entry.plan}`,
    `IW_TEMPLATES=${entry.templates.join(",")}`,
    `IW_ASSISTANT_NAME=${entry.assistant_name}`,
    `IW_EDGE_PROXY=${serviceAddress(workers, "edgeProxy")}`,
    `IW_PUBLIC_ORIGIN=https://${workerHostname(entry.slug, input.zone)}`,
    `IW_MODEL_GATEWAY_URL=http://${modelGateway}:${PORTS.modelGateway}/v1`,
    `IW_MODELS=${input.plan.models.join(",")}`,
  ];
  if (input.browser) {
    const proxy = `http://${serviceAddress(workers, "egressProxy")}:${PORTS.egressProxy}`;
    env.push(`HTTPS_PROXY=${proxy}`, `HTTP_PROXY=${proxy}`);
    env.push(`NO_PROXY=${modelGateway},localhost,127.0.0.1`);
  }
  // Interpolated, not resolved: the key stays a secret Output all the way to the container.
  env.push(pulumi.interpolate`IW_MODEL_KEY=${input.modelKey}`);
  return env;
}
