// LiteLLM itself cannot run here (PyPI and its image registry are out of reach): these tests hold the
// rendered file to the keys LiteLLM documents, and the key lifecycle runs against a stand-in elsewhere.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import {
  type LitellmConfigArgs,
  PROVIDER_KEY_ENV,
  providersIn,
  renderLitellmConfig,
} from "../../lib/render/litellm";

const ARGS: LitellmConfigArgs = {
  models: [
    { name: "claude-haiku", provider: "anthropic", model: "claude-haiku-4-5" },
    { name: "gemini-flash", provider: "google", model: "gemini-2.5-flash" },
  ],
  proxyBudget: { maxBudgetUsd: 2000, budgetDuration: "30d" },
};

describe("renderLitellmConfig", () => {
  test("routes each model to its provider with the key named by environment variable", () => {
    const config = parse(renderLitellmConfig(ARGS));
    assert.deepEqual(config.model_list, [
      {
        model_name: "claude-haiku",
        litellm_params: {
          model: "anthropic/claude-haiku-4-5",
          api_key: "os.environ/ANTHROPIC_API_KEY",
        },
      },
      {
        model_name: "gemini-flash",
        litellm_params: { model: "gemini/gemini-2.5-flash", api_key: "os.environ/GEMINI_API_KEY" },
      },
    ]);
  });

  test("puts the proxy-wide budget under litellm_settings, where LiteLLM reads it", () => {
    const config = parse(renderLitellmConfig(ARGS));
    assert.equal(config.litellm_settings.max_budget, 2000);
    assert.equal(config.litellm_settings.budget_duration, "30d");
    assert.equal(config.general_settings.max_budget, undefined);
  });

  test("takes the master key and database only from the environment", () => {
    const config = parse(renderLitellmConfig(ARGS));
    assert.equal(config.general_settings.master_key, "os.environ/LITELLM_MASTER_KEY");
    assert.equal(config.general_settings.database_url, "os.environ/DATABASE_URL");
    assert.equal(config.general_settings.store_model_in_db, false);
  });

  test("holds no literal credential anywhere", () => {
    const text = renderLitellmConfig(ARGS);
    const values = text.match(/(?:key|url): .*/g) ?? [];
    assert.ok(values.length >= 4);
    for (const line of values) assert.match(line, /: os\.environ\/[A-Z_]+$/);
  });

  test("lists each provider the models use once", () => {
    assert.deepEqual(providersIn(ARGS.models), ["anthropic", "google"]);
    assert.deepEqual(Object.keys(PROVIDER_KEY_ENV).sort(), ["anthropic", "google", "openai"]);
  });

  test("accepts a model id that already carries LiteLLM's route prefix", () => {
    const models = [
      {
        name: "claude-sonnet",
        provider: "anthropic" as const,
        model: "anthropic/claude-sonnet-4-5",
      },
    ];
    const config = parse(renderLitellmConfig({ ...ARGS, models }));
    assert.equal(config.model_list[0].litellm_params.model, "anthropic/claude-sonnet-4-5");
  });

  test("refuses a model id routed to another provider than its own", () => {
    const models = [{ name: "sneaky", provider: "google" as const, model: "openai/gpt-5" }];
    assert.throws(() => renderLitellmConfig({ ...ARGS, models }), {
      message:
        "Model `sneaky` names `openai/gpt-5`, routed away from its provider google (accepted: a bare model id or gemini/<id>).",
    });
  });

  test("refuses a model name given twice", () => {
    const models = [...ARGS.models, { ...ARGS.models[0], model: "claude-haiku-4-6" }];
    assert.throws(() => renderLitellmConfig({ ...ARGS, models }), {
      message: "Model name `claude-haiku` appears twice (accepted: each name once).",
    });
  });

  test("refuses a budget duration LiteLLM would not parse", () => {
    const proxyBudget = { maxBudgetUsd: 10, budgetDuration: "monthly" };
    assert.throws(() => renderLitellmConfig({ ...ARGS, proxyBudget }), {
      message: "Proxy budget duration `monthly` is not a duration (accepted: e.g. 30d, 12h).",
    });
  });

  test("refuses an empty model list", () => {
    assert.throws(() => renderLitellmConfig({ ...ARGS, models: [] }), {
      message: "The model gateway needs at least one model (accepted: a non-empty `models` list).",
    });
  });
});
