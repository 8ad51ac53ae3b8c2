import { BROWSER_CONTROL_PASSWORD_VARIABLE, renderOpenclawConfig } from "../../lib/render/openclaw";
import { parseWorkerEnv, WorkerEnvError } from "../../lib/render/openclaw-env";
import { CELL_DEFAULTS, cellAddresses, templateCatalog } from "../lib/cell";
import { resourcePolicy } from "../lib/define";
import { envRecord, isWorker, show, TYPES } from "../lib/resource";

/** OpenClaw reads these from its environment and they would replace trusted-proxy auth. */
const GATEWAY_CREDENTIALS = ["OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PASSWORD"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Renders the worker's `openclaw.json` exactly as its image will (same renderer, same environment) and
 * checks the gateway section, so a change to either the environment or the renderer is caught.
 */
export const workerGatewayAuth = resourcePolicy({
  name: "worker-gateway-auth",
  description:
    "Checks that every worker's rendered OpenClaw gateway uses trusted-proxy auth trusting only the edge proxy, allows exactly one user and has no token and no password but the browser control service's per-start one.",
  types: [TYPES.container],
  applies: isWorker,
  defaults: CELL_DEFAULTS,
  check({ props, config }) {
    const env = envRecord(props);
    const leaked = GATEWAY_CREDENTIALS.filter((name) => env[name] !== undefined);
    if (leaked.length > 0)
      return [`must have no gateway token or password; it sets \`${leaked[0]}\``];
    let gateway: Record<string, any>;
    try {
      const parsed = parseWorkerEnv(env);
      const capabilities = templateCatalog().combine(parsed.templates);
      gateway = renderOpenclawConfig({ env: parsed, capabilities }).gateway;
    } catch (err) {
      const why = err instanceof WorkerEnvError ? err.problems.join("; ") : (err as Error).message;
      return [`must carry an environment its image can render a gateway config from: ${why}`];
    }
    return gatewayProblems(gateway, cellAddresses(config.workersSubnet).edgeProxy);
  },
});

function gatewayProblems(gateway: Record<string, any>, edgeProxy: string): string[] {
  const problems: string[] = [];
  const auth = gateway.auth ?? {};
  if (auth.mode !== "trusted-proxy") {
    problems.push(
      `must use trusted-proxy gateway auth; \`gateway.auth.mode\` is ${show(auth.mode)}`,
    );
  }
  // The one password allowed is the browser control service's, generated inside the container at each
  // start and referenced from the gateway's environment: no spec or state ever holds its value.
  const browserPassword = `\${${BROWSER_CONTROL_PASSWORD_VARIABLE}}`;
  if (
    auth.token !== undefined ||
    (auth.password !== undefined && auth.password !== browserPassword)
  ) {
    problems.push(
      `must have no gateway token, and no password but the per-start \`${browserPassword}\`, in \`gateway.auth\``,
    );
  }
  const proxies = gateway.trustedProxies;
  if (!Array.isArray(proxies) || proxies.length !== 1 || proxies[0] !== edgeProxy) {
    problems.push(`must trust only the edge proxy \`${edgeProxy}\`; it trusts ${show(proxies)}`);
  }
  const users = auth.trustedProxy?.allowUsers;
  if (!Array.isArray(users) || users.length !== 1 || !UUID.test(String(users[0]))) {
    problems.push(`must allow exactly one user id; \`allowUsers\` is ${show(users)}`);
  }
  return problems;
}
