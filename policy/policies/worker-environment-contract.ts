import { WORKER_ENV, WORKER_PROXY_ENV } from "../../lib/cell-contract";
import { resourcePolicy } from "../lib/define";
import { CELL_DEFAULTS, cellAddresses, templateCatalog } from "../lib/cell";
import { envOf, envRecord, isWorker, TYPES } from "../lib/resource";

/** The whole contract between the program and the worker image; the image ignores anything else. */
const CONTRACT: readonly string[] = WORKER_ENV;
const PROXY: readonly string[] = WORKER_PROXY_ENV;

export const workerEnvironmentContract = resourcePolicy({
  name: "worker-environment-contract",
  description:
    "Checks that every worker container's environment holds only the contract's variables, points at the cell's model gateway, and grants the egress proxy only to workers whose templates need a browser.",
  types: [TYPES.container],
  applies: isWorker,
  defaults: CELL_DEFAULTS,
  check({ props, config }) {
    const problems: string[] = [];
    const names = envOf(props).map(([name]) => name);
    for (const name of names.filter((n) => !CONTRACT.includes(n) && !PROXY.includes(n))) {
      problems.push(`must set only the worker contract's variables; it sets \`${name}\``);
    }
    for (const name of new Set(names.filter((n, i) => names.indexOf(n) !== i))) {
      problems.push(`must set \`${name}\` once; it sets it more than once`);
    }
    const env = envRecord(props);
    const cell = cellAddresses(config.workersSubnet);
    if (env.IW_MODEL_GATEWAY_URL !== cell.modelGatewayUrl) {
      problems.push(
        `must reach models only through \`${cell.modelGatewayUrl}\` (\`IW_MODEL_GATEWAY_URL\`)`,
      );
    }
    return [...problems, ...proxyProblems(env, cell.egressProxyUrl)];
  },
});

function proxyProblems(env: Record<string, string>, egressProxyUrl: string): string[] {
  const proxied = PROXY.some((name) => env[name] !== undefined);
  const browser = browserNeeded(env.IW_TEMPLATES);
  if (browser === undefined) {
    return [
      `must name known templates in \`IW_TEMPLATES\`; it names \`${env.IW_TEMPLATES ?? ""}\``,
    ];
  }
  if (!browser) {
    return proxied
      ? ["must get no egress proxy, because none of its templates needs a browser"]
      : [];
  }
  return ["HTTPS_PROXY", "HTTP_PROXY"]
    .filter((name) => env[name] !== egressProxyUrl)
    .map(
      (name) => `must send web traffic through the egress proxy (\`${name}=${egressProxyUrl}\`)`,
    );
}

function browserNeeded(templates: string | undefined): boolean | undefined {
  try {
    return templateCatalog().combine((templates ?? "").split(",").filter((id) => id !== ""))
      .browser;
  } catch {
    // Unknown, repeated or missing template ids: reported as such by the caller.
    return undefined;
  }
}
