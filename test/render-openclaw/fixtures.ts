/** One valid worker, generated per run: the user id and model key are throwaway values. */
import { randomBytes, randomUUID } from "node:crypto";
import type { WorkerEnv } from "../../lib/render/openclaw-env";
import type { WorkerCapabilities } from "../../lib/templates";

export function workerEnvVars(overrides: Record<string, string | undefined> = {}) {
  return {
    IW_CELL: "dev",
    IW_SLUG: "ada",
    IW_USER_ID: randomUUID(),
    IW_PLAN: "expert",
    IW_TEMPLATES: "web-research",
    IW_ASSISTANT_NAME: "Ada",
    IW_EDGE_PROXY: "10.210.0.2",
    IW_PUBLIC_ORIGIN: "https://ada-worker.instantworker.localhost",
    IW_MODEL_GATEWAY_URL: "http://10.210.0.3:4000/v1",
    IW_MODEL_KEY: `sk-test-${randomBytes(16).toString("hex")}`,
    IW_MODELS: "claude-haiku,gemini-flash",
    ...overrides,
  };
}

export function workerEnv(overrides: Partial<WorkerEnv> = {}): WorkerEnv {
  return {
    cell: "dev",
    slug: "ada",
    userId: randomUUID(),
    plan: "expert",
    templates: ["web-research"],
    assistantName: "Ada",
    edgeProxy: "10.210.0.2",
    publicOrigin: "https://ada-worker.instantworker.localhost",
    modelGatewayUrl: "http://10.210.0.3:4000/v1",
    models: ["claude-haiku", "gemini-flash"],
    ...overrides,
  };
}

export function capabilities(overrides: Partial<WorkerCapabilities> = {}): WorkerCapabilities {
  return {
    templateIds: ["web-research"],
    browser: true,
    egressDomains: [".wikipedia.org"],
    toolProfile: "coding",
    toolsDeny: ["gateway", "group:nodes"],
    toolsAllow: ["browser"],
    execCommands: ["/usr/bin/wc"],
    heartbeatMinutes: 120,
    ...overrides,
  };
}
