/**
 * What provider credentials look like. A worker holds nothing worth stealing, so any of these in its
 * environment or labels is a leak, whatever the variable is called.
 */

export interface KeyShape {
  provider: string;
  pattern: RegExp;
}

/** Mixed case and digits: how generated tokens look, and what slugs and hex digests never do. */
const MIXED = (length: number) =>
  new RegExp(
    `(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*\\d)[A-Za-z0-9_-]{${length}}(?![A-Za-z0-9_-])`,
  );

export const KEY_SHAPES: KeyShape[] = [
  { provider: "Anthropic", pattern: /sk-ant-[A-Za-z0-9_-]{8,}/ },
  { provider: "Stripe", pattern: /\b(sk|rk)_(live|test)_[A-Za-z0-9]{8,}/ },
  { provider: "Stripe webhook", pattern: /\bwhsec_[A-Za-z0-9]{8,}/ },
  { provider: "Google", pattern: /AIza[0-9A-Za-z_-]{30,}/ },
  { provider: "Supabase", pattern: /\bsb_secret_[A-Za-z0-9_-]{8,}/ },
  // OpenAI and LiteLLM master keys; the worker's own `sk-iw-` key is allowed in one place only.
  { provider: "OpenAI-style", pattern: /(?<![A-Za-z0-9])sk-(?!ant-)[A-Za-z0-9_-]{16,}/ },
  { provider: "Hetzner", pattern: MIXED(64) },
  { provider: "Cloudflare", pattern: MIXED(40) },
];

/** The variable that may hold the worker's own key, and the only shape that key may take. */
export const MODEL_KEY_VARIABLE = "IW_MODEL_KEY";
export const WORKER_KEY = /^sk-iw-[A-Za-z0-9]{16,}$/;

/** Names that say "credential" on their face, or name a provider whose credentials a worker never holds. */
const SECRET_NAME =
  /(^|_)(API_?KEY|SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|SERVICE_ROLE(_KEY)?|ACCESS_KEY)(_|$)/i;
const PROVIDER_NAME =
  /^(ANTHROPIC|OPENAI|GOOGLE|GEMINI|STRIPE|SUPABASE|HCLOUD|HETZNER|CLOUDFLARE|CF|LITELLM|PULUMI|AWS)_/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) || PROVIDER_NAME.test(name);
}

/** The provider whose key `value` looks like, if any. */
export function keyShapeOf(value: string): string | undefined {
  if (looksLikeServiceRoleJwt(value)) return "Supabase service-role";
  return KEY_SHAPES.find((shape) => shape.pattern.test(value))?.provider;
}

const JWT = /eyJ[A-Za-z0-9_-]+\.(eyJ[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*/g;

function looksLikeServiceRoleJwt(value: string): boolean {
  for (const match of value.matchAll(JWT)) {
    try {
      const payload = JSON.parse(Buffer.from(match[1], "base64url").toString("utf8"));
      if (payload?.role === "service_role") return true;
    } catch {
      // Not a JWT after all; other shapes still apply.
    }
  }
  return false;
}
