/**
 * The worker's environment, read once by the image's entrypoint. These variables are the whole contract
 * between the program (which declares the container) and the image; anything else in the environment
 * is ignored. Every problem is reported at once, each as a sentence naming the variable.
 */
import { SLUG_PATTERN } from "../cell-contract";
import { parseIpv4 } from "../net";
import { PLAN_NAMES, type PlanName } from "../plans";

export const MAX_ASSISTANT_NAME = 10_000;

export interface WorkerEnv {
  cell: string;
  slug: string;
  userId: string;
  plan: PlanName;
  templates: string[];
  /** Untrusted free text; only ever written as JSON data. */
  assistantName: string;
  edgeProxy: string;
  publicOrigin: string;
  modelGatewayUrl: string;
  models: string[];
}

export class WorkerEnvError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "WorkerEnvError";
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

type Env = Record<string, string | undefined>;

/** Parses the worker environment; throws a WorkerEnvError listing every bad or missing variable. */
export function parseWorkerEnv(env: Env): WorkerEnv {
  const problems: string[] = [];
  const need = (key: string, check: (v: string) => boolean, accepted: string): string => {
    const value = env[key];
    if (value === undefined || value === "") problems.push(`\`${key}\` is not set; ${accepted}`);
    else if (!check(value)) problems.push(`\`${key}\` is \`${clip(value)}\`; ${accepted}`);
    return value ?? "";
  };
  const list = (v: string, item: RegExp) => v.split(",").every((x) => item.test(x));

  const parsed: WorkerEnv = {
    cell: need("IW_CELL", (v) => SLUG_PATTERN.test(v), "expected a cell name like `prod-1`"),
    slug: need("IW_SLUG", (v) => SLUG_PATTERN.test(v), "expected a slug of 3–40 of a-z, 0-9, -"),
    userId: need("IW_USER_ID", (v) => UUID.test(v), "expected a lower-case uuid"),
    plan: need("IW_PLAN", isPlan, `expected one of ${PLAN_NAMES.join(", ")}`) as PlanName,
    templates: splitList(
      need("IW_TEMPLATES", (v) => list(v, SLUG_PATTERN), "expected ids, comma-separated"),
    ),
    assistantName: assistantName(env.IW_ASSISTANT_NAME, problems),
    edgeProxy: need("IW_EDGE_PROXY", (v) => parseIpv4(v) !== undefined, "expected an IPv4 address"),
    publicOrigin: need(
      "IW_PUBLIC_ORIGIN",
      isHttpsOrigin,
      "expected an origin like `https://a-worker.example.com`",
    ),
    modelGatewayUrl: need("IW_MODEL_GATEWAY_URL", isHttpUrl, "expected an http(s) URL"),
    models: splitList(
      need("IW_MODELS", (v) => list(v, NAME), "expected model names, comma-separated"),
    ),
  };
  // The key itself is only referenced from the config, never read or echoed here.
  if (!env.IW_MODEL_KEY) problems.push("`IW_MODEL_KEY` is not set; the worker needs its model key");
  if (problems.length > 0) throw new WorkerEnvError(problems);
  return parsed;
}

function assistantName(value: string | undefined, problems: string[]): string {
  const name = value ?? "";
  if (name.length > MAX_ASSISTANT_NAME) {
    problems.push(
      `\`IW_ASSISTANT_NAME\` is ${name.length} characters long; at most ${MAX_ASSISTANT_NAME} are accepted`,
    );
  }
  return name;
}

function splitList(value: string): string[] {
  return value === "" ? [] : value.split(",");
}

function isPlan(value: string): boolean {
  return (PLAN_NAMES as readonly string[]).includes(value);
}

function isHttpsOrigin(value: string): boolean {
  const url = safeUrl(value);
  return url !== undefined && url.protocol === "https:" && url.origin === value;
}

function isHttpUrl(value: string): boolean {
  const url = safeUrl(value);
  return url !== undefined && (url.protocol === "http:" || url.protocol === "https:");
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Bad values are echoed so the operator can find them, but never at full length. */
function clip(value: string): string {
  const oneLine = JSON.stringify(value).slice(1, -1);
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}
