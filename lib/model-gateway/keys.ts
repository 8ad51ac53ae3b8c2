/**
 * Per-worker model keys. A key is derived, not stored: `sk-iw-` + HMAC-SHA256(secret, user_id), so the
 * program recomputes it on every deploy without a state of its own, and changing the secret rotates every
 * key at once. The admin calls that register a key are rendered here as data; the same calls drive the
 * script the cell host runs and the tests that replay them against a stand-in of LiteLLM's admin API.
 */
import { createHmac } from "node:crypto";
import type { Plan } from "../plans";

export const MODEL_KEY_PREFIX = "sk-iw-";
export const MODEL_KEY_PATTERN = /^sk-iw-[0-9a-f]{64}$/;
/** Stands for the key in rendered calls; the script substitutes the key it reads from stdin. */
export const KEY_PLACEHOLDER = "@MODEL_KEY@";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function modelKey(secret: string, userId: string): string {
  if (secret.length < 32) {
    throw new Error(
      `The model key secret is ${secret.length} characters long (accepted: at least 32 random characters).`,
    );
  }
  if (!UUID.test(userId)) {
    throw new Error(
      `User id \`${userId}\` is not a lower-case uuid (accepted: the roster's user_id).`,
    );
  }
  return MODEL_KEY_PREFIX + createHmac("sha256", secret).update(userId).digest("hex");
}

export interface WorkerKeySpec {
  cell: string;
  slug: string;
  userId: string;
  planName: string;
  plan: Pick<
    Plan,
    "budgetUsd" | "budgetDuration" | "rpm" | "tpm" | "maxParallelRequests" | "models"
  >;
  state: "active" | "suspended";
}

export interface AdminCall {
  /** Names the call in messages; never the key itself. */
  label: string;
  method: "GET" | "POST";
  path: string;
  body?: Record<string, unknown>;
  /** Status codes that count as success; anything else stops the script. */
  accept: number[];
}

/**
 * Registering a key is a probe and two branches: update the key when LiteLLM knows it, otherwise clear
 * any key still holding the alias (the one a rotated secret left behind) and generate it. The block state
 * is set last in both branches, so a suspension holds whatever happened before.
 */
export interface EnsureKeyCalls {
  probe: AdminCall;
  whenPresent: AdminCall[];
  whenMissing: AdminCall[];
  always: AdminCall[];
}

export function keyAlias(cell: string, slug: string): string {
  return `iw-${cell}-${slug}`;
}

/** The key's settings as LiteLLM's `/key/generate` and `/key/update` take them. */
export function keySettings(spec: WorkerKeySpec): Record<string, unknown> {
  return {
    key_alias: keyAlias(spec.cell, spec.slug),
    user_id: spec.userId,
    models: [...spec.plan.models],
    max_budget: spec.plan.budgetUsd,
    budget_duration: spec.plan.budgetDuration,
    rpm_limit: spec.plan.rpm,
    tpm_limit: spec.plan.tpm,
    max_parallel_requests: spec.plan.maxParallelRequests,
    metadata: { cell: spec.cell, slug: spec.slug, plan: spec.planName },
  };
}

export function ensureKeyCalls(spec: WorkerKeySpec, key = KEY_PLACEHOLDER): EnsureKeyCalls {
  const settings = keySettings(spec);
  const blocked = spec.state === "suspended";
  return {
    probe: { label: "key info", method: "GET", path: `/key/info?key=${key}`, accept: [200, 404] },
    whenPresent: [
      {
        label: "key update",
        method: "POST",
        path: "/key/update",
        body: { key, ...settings },
        accept: [200],
      },
    ],
    whenMissing: [
      {
        label: "delete the key holding the alias",
        method: "POST",
        path: "/key/delete",
        body: { key_aliases: [settings.key_alias] },
        accept: [200, 404],
      },
      {
        label: "key generate",
        method: "POST",
        path: "/key/generate",
        body: { key, ...settings, blocked },
        accept: [200],
      },
    ],
    always: [
      {
        label: blocked ? "key block" : "key unblock",
        method: "POST",
        path: blocked ? "/key/block" : "/key/unblock",
        body: { key },
        accept: [200],
      },
    ],
  };
}

/** Removal deletes the key; a key already gone counts as removed, so a retried delete succeeds. */
export function removeKeyCalls(key = KEY_PLACEHOLDER): AdminCall[] {
  return [
    {
      label: "key delete",
      method: "POST",
      path: "/key/delete",
      body: { keys: [key] },
      accept: [200, 404],
    },
  ];
}
