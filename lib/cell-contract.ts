/**
 * The constants every part of a cell agrees on: network names, fixed service addresses, ports, names of
 * containers, volumes, labels and environment variables. The worker image, the edge, the egress proxy,
 * the policy pack and the operations tools all import them from here, so one change moves them together.
 */
import { type Cidr, cidrSize, hostAddress } from "./net";

export const NETWORKS = {
  workers: "iw-workers",
  egress: "iw-egress",
  edge: "iw-edge",
  modelDb: "iw-modeldb",
} as const;

export const DEFAULT_SUBNETS = {
  workers: "10.210.0.0/22",
  egress: "10.210.8.0/24",
  edge: "10.210.9.0/24",
  modelDb: "10.210.10.0/24",
} as const;

/** Offsets on the workers network. .1 is the host's own address on the bridge. */
export const SERVICE_OFFSETS = { host: 1, edgeProxy: 2, modelGateway: 3, egressProxy: 4 } as const;

/** Slot 0 sits here; the offsets below it are kept for cell services. */
export const FIRST_WORKER_OFFSET = 16;

export const PORTS = {
  gateway: 18789,
  novnc: 6080,
  modelGateway: 4000,
  egressProxy: 3128,
  gatekeeper: 9090,
} as const;

/** Every variable a worker is given; the image reads these and nothing else. */
export const WORKER_ENV = [
  "IW_CELL",
  "IW_SLUG",
  "IW_USER_ID",
  "IW_PLAN",
  "IW_TEMPLATES",
  "IW_ASSISTANT_NAME",
  "IW_EDGE_PROXY",
  "IW_PUBLIC_ORIGIN",
  "IW_MODEL_GATEWAY_URL",
  "IW_MODELS",
  "IW_MODEL_KEY",
] as const;

/** Given only to workers whose templates browse: the egress proxy, bypassed for the model gateway. */
export const WORKER_PROXY_ENV = ["HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"] as const;

export const IDENTITY_HEADER = "X-InstantWorker-User";
export const WORKER_UID = 10001;
export const WORKER_DATA_PATH = "/data";

export const LABELS = {
  cell: "instantworker.cell",
  slug: "instantworker.slug",
  plan: "instantworker.plan",
  role: "instantworker.role",
} as const;

export type Role =
  "worker" | "edge-proxy" | "gatekeeper" | "model-gateway" | "model-db" | "egress-proxy";

export const SLUG_PATTERN = /^(?!.*--)[a-z][a-z0-9-]{1,38}[a-z0-9]$/;

export const workerContainerName = (slug: string) => `iw-worker-${slug}`;
export const workerVolumeName = (slug: string) => `iw-data-${slug}`;
export const workerHostname = (slug: string, zone: string) => `${slug}-worker.${zone}`;

/** Highest slot the workers subnet can hold (its last usable address). */
export function maxSlot(workers: Cidr): number {
  return cidrSize(workers) - 2 - FIRST_WORKER_OFFSET;
}

export function workerAddress(workers: Cidr, slot: number): string {
  return hostAddress(workers, FIRST_WORKER_OFFSET + slot);
}

export function serviceAddress(workers: Cidr, service: keyof typeof SERVICE_OFFSETS): string {
  return hostAddress(workers, SERVICE_OFFSETS[service]);
}
