/**
 * The stack's configuration, read once and validated into one typed object before anything is declared.
 * Every problem becomes its own line naming the key, the value and what is accepted.
 */
import { z } from "zod";
import { DEFAULT_SUBNETS } from "./cell-contract";
import { type Cidr, cidrsOverlap, parseCidr } from "./net";
import { valueAt } from "./value-at";
import { DEFAULT_PLANS, PLAN_NAMES, type Plan, type PlanName } from "./plans";

export const CONFIG_NAMESPACE = "instantworker";

/** Keys whose values are credentials: they must be set with `pulumi config set --secret`. */
export const SECRET_KEYS = [
  "modelKeySecret",
  "modelGatewayMasterKey",
  "modelDbPassword",
  "anthropicApiKey",
  "openaiApiKey",
  "googleApiKey",
  "ticketSecret",
  "rosterDatabasePassword",
  "alertWebhookUrl",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

const cidr = z.string().refine((v) => parseCidr(v) !== undefined && parseCidr(v)!.prefix >= 16, {
  error: "is not an IPv4 network (accepted: a.b.c.d/n, n from 16 to 32, a.b.c.d the first address)",
});
const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, { error: "is not a name (accepted: a-z, 0-9, -, up to 31)" });
const hostname = z.string().regex(/^(?=.{1,200}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/, {
  error: "is not a DNS name in lowercase (accepted: e.g. instantworker.ai)",
});
const httpsOrigin = z
  .string()
  .regex(/^https:\/\/[a-z0-9.-]+(:\d+)?$/, { error: "is not an https origin (e.g. https://x.ai)" });
/** Images are pinned: an exact version tag or a digest, never `latest` and never a bare name. */
const image = z
  .string()
  .regex(/^[a-z0-9./_-]+(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$/, { error: "is not an image" })
  .refine((v) => /@sha256:|:[A-Za-z0-9._-]+$/.test(v) && !/:latest(@|$)/.test(v), {
    error: "is not pinned (accepted: name:exact-version or name@sha256:digest, never latest)",
  });

const planOverride = z.strictObject({
  memoryMb: z.int().min(512).max(65536).optional(),
  cpus: z.number().min(0.25).max(16).optional(),
  maxTemplates: z.int().min(1).max(15).optional(),
  budgetUsd: z.number().min(0).max(10000).optional(),
  budgetDuration: z
    .string()
    .regex(/^\d+[smhd]$/, { error: "is not a duration (e.g. 30d)" })
    .optional(),
  rpm: z.int().min(1).optional(),
  tpm: z.int().min(1).optional(),
  maxParallelRequests: z.int().min(1).optional(),
  models: z.array(z.string().min(1)).min(1).optional(),
});

const rosterConfig = z.discriminatedUnion("source", [
  z.strictObject({ source: z.literal("file"), path: z.string().min(1) }),
  z.strictObject({
    source: z.literal("supabase"),
    host: hostname,
    port: z.int().min(1).max(65535).default(6543),
    database: z.string().min(1).default("postgres"),
    user: z.string().min(1),
    caCertPath: z.string().min(1).optional(),
    connectTimeoutMs: z.int().min(100).max(60000).default(5000),
    statementTimeoutMs: z.int().min(100).max(60000).default(10000),
  }),
]);

const model = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, { error: "is not a model name" }),
  provider: z.enum(["anthropic", "openai", "google"]),
  model: z.string().min(3),
});

const prodHost = z.strictObject({
  serverType: z.string().min(2),
  location: z.string().min(2),
  image: z.string().min(2),
  operatorCidrs: z.array(cidr).min(1),
  sshPublicKey: z.string().regex(/^(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) [A-Za-z0-9+/=]+/, {
    error: "is not an SSH public key",
  }),
  dockerVersion: z.string().regex(/^\d+:?[\w.~+-]+$/, { error: "is not a package version" }),
  cloudflareZoneId: z.string().regex(/^[a-f0-9]{32}$/, { error: "is not a Cloudflare zone id" }),
});

const secretShape = Object.fromEntries(
  SECRET_KEYS.map((k) => [k, z.string().min(1).optional()]),
) as Record<SecretKey, z.ZodOptional<z.ZodString>>;

const schema = z
  .strictObject({
    cell: name,
    kind: z.enum(["dev", "prod"], { error: "is not a kind of stack (accepted: dev, prod)" }),
    zone: hostname,
    dashboardOrigin: httpsOrigin,
    roster: rosterConfig,
    network: z
      .strictObject({
        workersSubnet: cidr.default(DEFAULT_SUBNETS.workers),
        egressSubnet: cidr.default(DEFAULT_SUBNETS.egress),
        edgeSubnet: cidr.default(DEFAULT_SUBNETS.edge),
        modelDbSubnet: cidr.default(DEFAULT_SUBNETS.modelDb),
      })
      .default({
        workersSubnet: DEFAULT_SUBNETS.workers,
        egressSubnet: DEFAULT_SUBNETS.egress,
        edgeSubnet: DEFAULT_SUBNETS.edge,
        modelDbSubnet: DEFAULT_SUBNETS.modelDb,
      }),
    images: z.strictObject({
      worker: image,
      edgeProxy: image,
      gatekeeper: image,
      modelGateway: image,
      modelDb: image,
      egressProxy: image,
      cellTools: image,
    }),
    plans: z.partialRecord(z.enum(PLAN_NAMES), planOverride).default({}),
    models: z.array(model).min(1),
    proxyBudget: z
      .strictObject({ maxBudgetUsd: z.number().min(1), budgetDuration: z.string() })
      .default({ maxBudgetUsd: 2000, budgetDuration: "30d" }),
    deletionGuard: z
      .strictObject({ maxCount: z.int().min(0), maxShare: z.number().min(0).max(1) })
      .default({ maxCount: 5, maxShare: 0.1 }),
    hostConfigDir: z
      .string()
      .regex(/^\/[\w./-]+$/)
      .default("/opt/instantworker"),
    retentionDays: z.int().min(1).max(3650).default(30),
    host: prodHost.optional(),
    ...secretShape,
  })
  .superRefine(checkCrossFields);

type Parsed = z.infer<typeof schema>;

export interface CellConfig extends Omit<Parsed, SecretKey | "plans" | "network"> {
  network: { workers: Cidr; egress: Cidr; edge: Cidr; modelDb: Cidr };
  plans: Record<PlanName, Plan>;
  secrets: Partial<Record<SecretKey, string>>;
}

function checkCrossFields(cfg: Parsed, ctx: z.RefinementCtx): void {
  const nets = Object.entries(cfg.network).map(([k, v]) => [k, parseCidr(v)] as const);
  for (const [i, [ka, a]] of nets.entries()) {
    for (const [kb, b] of nets.slice(i + 1)) {
      if (a && b && cidrsOverlap(a, b)) {
        ctx.addIssue({ code: "custom", path: ["network", kb], message: `overlaps network.${ka}` });
      }
    }
  }
  const required: SecretKey[] = ["modelKeySecret", "modelGatewayMasterKey", "modelDbPassword"];
  required.push("ticketSecret");
  if (cfg.roster.source === "supabase") required.push("rosterDatabasePassword");
  for (const provider of new Set(cfg.models.map((m) => m.provider))) {
    required.push(`${provider}ApiKey` as SecretKey);
  }
  for (const key of required) {
    if (!cfg[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required" });
  }
  // Keys are derived from these and tickets signed with them: they must be long random strings.
  for (const key of ["modelKeySecret", "ticketSecret"] as const) {
    const value = cfg[key];
    if (value && value.length < 32) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: "is too short (accepted: at least 32 random characters)",
      });
    }
  }
  if (cfg.kind === "prod" && !cfg.host) {
    ctx.addIssue({ code: "custom", path: ["host"], message: "is required for a prod cell" });
  }
  if (cfg.kind === "prod" && cfg.roster.source !== "supabase") {
    ctx.addIssue({ code: "custom", path: ["roster"], message: "must be the supabase source" });
  }
  const known = new Set(cfg.models.map((m) => m.name));
  for (const [plan, override] of Object.entries(cfg.plans)) {
    const models = override?.models ?? DEFAULT_PLANS[plan as PlanName].models;
    for (const m of models.filter((n) => !known.has(n))) {
      ctx.addIssue({
        code: "custom",
        path: ["plans", plan, "models"],
        message: `names unknown model ${m}`,
      });
    }
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The stack configuration is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Parses the raw `instantworker:*` values (already JSON-decoded where structured). `secretKeys` holds the
 * keys the stack marked secret; a credential set in plain text is refused so it never lands in a file.
 */
export function parseCellConfig(raw: Record<string, unknown>, secretKeys: Set<string>): CellConfig {
  const problems: string[] = [];
  for (const key of SECRET_KEYS) {
    if (raw[key] !== undefined && !secretKeys.has(key)) {
      problems.push(
        `${CONFIG_NAMESPACE}:${key} is set in plain text (accepted: pulumi config set --secret ${CONFIG_NAMESPACE}:${key})`,
      );
    }
  }
  const result = schema.safeParse(raw);
  if (!result.success) problems.push(...result.error.issues.map((i) => describeIssue(i, raw)));
  if (problems.length || !result.success) throw new ConfigError(problems);
  return finish(result.data);
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const path = issue.path.map(String);
  const key = `${CONFIG_NAMESPACE}:${path.join(".")}`;
  if (issue.code === "unrecognized_keys") {
    const where = path.length ? `${key}: ` : "";
    return `${where}unknown key ${issue.keys.map((k) => `\`${k}\``).join(", ")} (see the README's configuration reference)`;
  }
  const value = valueAt(raw, path);
  const secret = (SECRET_KEYS as readonly string[]).includes(path[0] ?? "");
  const shown =
    value === undefined ? "is missing:" : secret ? "(value hidden)" : `= ${JSON.stringify(value)}`;
  return `${key} ${shown} ${issue.message}`;
}

function finish(data: Parsed): CellConfig {
  const secrets: Partial<Record<SecretKey, string>> = {};
  const rest: Record<string, unknown> = { ...data };
  for (const key of SECRET_KEYS) {
    if (data[key] !== undefined) secrets[key] = data[key];
    delete rest[key];
  }
  const plans = Object.fromEntries(
    PLAN_NAMES.map((p) => [p, { ...DEFAULT_PLANS[p], ...stripUndefined(data.plans[p] ?? {}) }]),
  ) as Record<PlanName, Plan>;
  const network = {
    workers: parseCidr(data.network.workersSubnet)!,
    egress: parseCidr(data.network.egressSubnet)!,
    edge: parseCidr(data.network.edgeSubnet)!,
    modelDb: parseCidr(data.network.modelDbSubnet)!,
  };
  return { ...(rest as Omit<Parsed, SecretKey>), plans, network, secrets };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Turns the Pulumi config map (`ns:key` → string) into raw values, decoding structured ones. */
export function rawConfigFrom(all: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
    const key = fullKey.slice(CONFIG_NAMESPACE.length + 1);
    // Pulumi hands every value over as a string; structured, numeric and boolean ones are JSON.
    raw[key] = /^\s*[[{]|^-?\d+(\.\d+)?$|^(true|false)$/.test(value) ? safeJson(value) : value;
  }
  return raw;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
