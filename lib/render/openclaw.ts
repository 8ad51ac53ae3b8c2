/**
 * Renders one worker's `openclaw.json` from its environment and the capabilities of its templates.
 * Every key here was checked against `openclaw config validate` of the pinned OpenClaw (see
 * test/render-openclaw); FACTS.md explains why the older, hand-written config cannot be used.
 */
import { IDENTITY_HEADER, PORTS, WORKER_DATA_PATH } from "../cell-contract";
import type { WorkerCapabilities } from "../templates";
import type { WorkerEnv } from "./openclaw-env";

/** Name of the one model provider; model refs in the config read `instantworker/<model>`. */
export const MODEL_PROVIDER = "instantworker";
export const MODEL_KEY_VARIABLE = "IW_MODEL_KEY";
/**
 * The browser control service authenticates with `gateway.auth.password` in trusted-proxy mode; left
 * unset, OpenClaw generates one, writes it into the config and restarts the gateway. The entrypoint
 * generates it per start instead and hands it to the gateway's environment only.
 */
export const BROWSER_CONTROL_PASSWORD_VARIABLE = "IW_BROWSER_CONTROL_PASSWORD";
export const WORKSPACE_PATH = `${WORKER_DATA_PATH}/workspace`;
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Chromium on a display without a GPU, kept small: no GPU process, at most two renderers, and none of
 * the background fetches (component updates, translation, safe-browsing lists) that the egress proxy
 * would refuse anyway.
 */
export const CHROMIUM_ARGS = [
  "--disable-gpu",
  "--renderer-process-limit=2",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-features=Translate,MediaRouter,OptimizationHints",
];

/**
 * Scopes a proxy-authenticated browser gets without a pairing step. Nobody could approve a pairing
 * request on a worker, and `operator.admin` would let the subscriber rewrite the gateway's config.
 */
export const AUTO_APPROVED_SCOPES = [
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.questions",
];

/**
 * Tools denied on top of the templates' own denials. `automations` is OpenClaw's cron tool: the
 * scheduler stays on because heartbeats run on it, but the agent may not add jobs of its own.
 */
export const RENDERER_DENIED_TOOLS = ["automations"];

export interface OpenclawConfigInput {
  env: WorkerEnv;
  capabilities: WorkerCapabilities;
}

export function renderOpenclawConfig({ env, capabilities }: OpenclawConfigInput) {
  return {
    gateway: gatewaySection(env),
    models: modelsSection(env),
    agents: agentsSection(env, capabilities),
    tools: toolsSection(capabilities),
    browser: browserSection(capabilities),
    // Heartbeats are scheduled by the cron scheduler; with it off they never fire (OpenClaw logs so).
    cron: { enabled: true },
    discovery: { mdns: { mode: "off" as const } },
    update: { checkOnStart: false, auto: { enabled: false } },
    telemetry: { enabled: false },
    skills: { install: { allowUploadedArchives: false } },
    // Memory "dreaming" is a scheduled model call the subscriber never asked for, paid from their budget.
    plugins: { entries: { "memory-core": { config: { dreaming: { enabled: false } } } } },
    security: securitySection(),
  };
}

export type OpenclawConfig = ReturnType<typeof renderOpenclawConfig>;

/** The JSON text written to disk; `JSON.stringify` is what keeps untrusted names from breaking it. */
export function renderOpenclawJson(input: OpenclawConfigInput): string {
  return `${JSON.stringify(renderOpenclawConfig(input), null, 2)}\n`;
}

function gatewaySection(env: WorkerEnv) {
  return {
    mode: "local" as const,
    port: PORTS.gateway,
    // Every interface of the container: its one network address for the edge, loopback for the
    // health check. Loopback is never accepted as a trusted proxy, so it grants nothing.
    bind: "lan" as const,
    auth: {
      mode: "trusted-proxy" as const,
      password: `\${${BROWSER_CONTROL_PASSWORD_VARIABLE}}`,
      trustedProxy: {
        userHeader: IDENTITY_HEADER.toLowerCase(),
        allowUsers: [env.userId],
        deviceAutoApprove: { enabled: true, scopes: AUTO_APPROVED_SCOPES },
      },
    },
    trustedProxies: [env.edgeProxy],
    controlUi: { allowedOrigins: [env.publicOrigin] },
  };
}

function modelsSection(env: WorkerEnv) {
  return {
    mode: "replace" as const,
    catalogRefresh: { enabled: false },
    providers: {
      [MODEL_PROVIDER]: {
        baseUrl: env.modelGatewayUrl,
        // A reference, resolved by OpenClaw from its environment: the key is never written to disk.
        apiKey: `\${${MODEL_KEY_VARIABLE}}`,
        api: "openai-completions" as const,
        request: { allowPrivateNetwork: true },
        models: env.models.map((id) => ({ id, name: id })),
      },
    },
  };
}

function agentsSection(env: WorkerEnv, capabilities: WorkerCapabilities) {
  const name = env.assistantName.trim();
  return {
    defaults: {
      model: { primary: `${MODEL_PROVIDER}/${env.models[0]}` },
      workspace: WORKSPACE_PATH,
      heartbeat: { every: `${capabilities.heartbeatMinutes}m` },
    },
    entries: {
      main: name === "" ? {} : { identity: { name } },
    },
  };
}

function toolsSection(capabilities: WorkerCapabilities) {
  return {
    profile: capabilities.toolProfile,
    alsoAllow: capabilities.toolsAllow,
    deny: [...new Set([...capabilities.toolsDeny, ...RENDERER_DENIED_TOOLS])].sort(),
    fs: { workspaceOnly: true },
    exec: {
      mode: capabilities.execCommands.length > 0 ? ("allowlist" as const) : ("deny" as const),
    },
    elevated: { enabled: false },
  };
}

/**
 * Installs of plugins and skills are refused: the install policy command always fails, and OpenClaw
 * fails closed when its policy gives no decision. The audit's trusted-proxy finding is acknowledged
 * because trusted-proxy auth is the design; what the finding asks for (only the edge as proxy, the
 * gateway port unreachable from anywhere else) is proven by test/worker-image on a real engine.
 */
export const INSTALL_POLICY_COMMAND = "/bin/false";
export const ACKNOWLEDGED_AUDIT_CHECKS = ["gateway.trusted_proxy_auth"];

function securitySection() {
  return {
    installPolicy: {
      enabled: true,
      targets: ["skill" as const, "plugin" as const],
      exec: { source: "exec" as const, command: INSTALL_POLICY_COMMAND },
    },
    audit: {
      suppressions: ACKNOWLEDGED_AUDIT_CHECKS.map((checkId) => ({
        checkId,
        reason:
          "The edge proxy is the only trusted proxy and the worker network admits the gateway port from the edge alone.",
      })),
    },
  };
}

function browserSection(capabilities: WorkerCapabilities) {
  if (!capabilities.browser) return { enabled: false };
  return {
    enabled: true,
    // Headed on the worker's Xvfb display, so the subscriber can watch it over noVNC.
    headless: false,
    executablePath: CHROMIUM_PATH,
    // Chromium's own sandbox needs user namespaces, which the container's dropped capabilities and
    // seccomp profile refuse; the container is the sandbox.
    noSandbox: true,
    extraArgs: CHROMIUM_ARGS,
  };
}
