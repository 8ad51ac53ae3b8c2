/**
 * The model gateway's LiteLLM configuration. It names every credential only as `os.environ/NAME`, so the
 * file holds no secret and can sit in the container spec; the values reach LiteLLM's own environment as
 * Pulumi secrets, and no worker ever sees them.
 */
import { stringify } from "yaml";

export type Provider = "anthropic" | "openai" | "google";

export interface GatewayModel {
  /** The name workers and plans use. */
  name: string;
  provider: Provider;
  /** The provider's model id, e.g. `claude-haiku-4-5`. */
  model: string;
}

export interface LitellmConfigArgs {
  models: GatewayModel[];
  /** Spend ceiling for the whole cell, across every key, per budget period. */
  proxyBudget: { maxBudgetUsd: number; budgetDuration: string };
}

/** The environment variables LiteLLM reads its credentials from. */
export const LITELLM_ENV = {
  masterKey: "LITELLM_MASTER_KEY",
  databaseUrl: "DATABASE_URL",
} as const;

export const PROVIDER_KEY_ENV: Record<Provider, string> = {
  anthropic: "ANTHROPIC_API_KEY",
  openai: "OPENAI_API_KEY",
  google: "GEMINI_API_KEY",
};

/** LiteLLM's routing prefix per provider; Google's public API is LiteLLM's `gemini` provider. */
const ROUTE_PREFIX: Record<Provider, string> = {
  anthropic: "anthropic",
  openai: "openai",
  google: "gemini",
};

const DURATION = /^\d+[smhd]$/;
const MODEL_NAME = /^[a-z0-9][a-z0-9.-]*$/;

export function renderLitellmConfig(args: LitellmConfigArgs): string {
  checkArgs(args);
  const config = {
    model_list: args.models.map((m) => ({
      model_name: m.name,
      litellm_params: {
        model: routedModel(m),
        api_key: `os.environ/${PROVIDER_KEY_ENV[m.provider]}`,
      },
    })),
    // The proxy-wide ceiling lives here; under general_settings LiteLLM ignores it.
    litellm_settings: {
      max_budget: args.proxyBudget.maxBudgetUsd,
      budget_duration: args.proxyBudget.budgetDuration,
      drop_params: true,
      json_logs: true,
    },
    general_settings: {
      master_key: `os.environ/${LITELLM_ENV.masterKey}`,
      database_url: `os.environ/${LITELLM_ENV.databaseUrl}`,
      // Models come from this file only, so a leaked admin session cannot add an upstream.
      store_model_in_db: false,
    },
  };
  return stringify(config, { lineWidth: 0 });
}

/** Stack config may name the model with LiteLLM's route prefix or without it; both mean the same. */
function routedModel(m: GatewayModel): string {
  const prefix = `${ROUTE_PREFIX[m.provider]}/`;
  return m.model.startsWith(prefix) ? m.model : prefix + m.model;
}

/** The providers the rendered config draws on, each needing its key in LiteLLM's environment. */
export function providersIn(models: GatewayModel[]): Provider[] {
  return [...new Set(models.map((m) => m.provider))].sort();
}

function checkArgs(args: LitellmConfigArgs): void {
  if (args.models.length === 0) {
    throw new Error(
      "The model gateway needs at least one model (accepted: a non-empty `models` list).",
    );
  }
  const seen = new Set<string>();
  for (const m of args.models) {
    if (!MODEL_NAME.test(m.name)) {
      throw new Error(`Model name \`${m.name}\` is not accepted (accepted: a-z, 0-9, '.', '-').`);
    }
    if (seen.has(m.name)) {
      throw new Error(`Model name \`${m.name}\` appears twice (accepted: each name once).`);
    }
    if (!(m.provider in ROUTE_PREFIX)) {
      throw new Error(
        `Model \`${m.name}\` has provider \`${m.provider}\` (accepted: anthropic, openai, google).`,
      );
    }
    if (m.model.includes("/") && !m.model.startsWith(`${ROUTE_PREFIX[m.provider]}/`)) {
      throw new Error(
        `Model \`${m.name}\` names \`${m.model}\`, routed away from its provider ${m.provider} (accepted: a bare model id or ${ROUTE_PREFIX[m.provider]}/<id>).`,
      );
    }
    seen.add(m.name);
  }
  const { maxBudgetUsd, budgetDuration } = args.proxyBudget;
  if (!(maxBudgetUsd > 0)) {
    throw new Error(`Proxy budget \`${maxBudgetUsd}\` is not a positive amount of USD.`);
  }
  if (!DURATION.test(budgetDuration)) {
    throw new Error(
      `Proxy budget duration \`${budgetDuration}\` is not a duration (accepted: e.g. 30d, 12h).`,
    );
  }
}
