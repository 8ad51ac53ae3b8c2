/**
 * What each plan buys: the worker's compute, how many templates it may combine, and what it may spend on
 * models. Stack configuration may override any field per plan; these are the defaults the business sells.
 */
export const PLAN_NAMES = ["simple", "expert", "legend"] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export interface Plan {
  memoryMb: number;
  cpus: number;
  maxTemplates: number;
  /** Model spend allowed per budget period, in USD, enforced by the model gateway on the worker's key. */
  budgetUsd: number;
  budgetDuration: string;
  rpm: number;
  tpm: number;
  maxParallelRequests: number;
  /** Model names (as the model gateway lists them) the plan may call. */
  models: string[];
}

export const DEFAULT_PLANS: Record<PlanName, Plan> = {
  simple: {
    memoryMb: 2048,
    cpus: 1,
    maxTemplates: 1,
    budgetUsd: 25,
    budgetDuration: "30d",
    rpm: 20,
    tpm: 100_000,
    maxParallelRequests: 2,
    models: ["claude-haiku", "gemini-flash"],
  },
  expert: {
    memoryMb: 3072,
    cpus: 1.5,
    maxTemplates: 3,
    budgetUsd: 100,
    budgetDuration: "30d",
    rpm: 40,
    tpm: 300_000,
    maxParallelRequests: 4,
    models: ["claude-haiku", "claude-sonnet", "gemini-flash"],
  },
  legend: {
    memoryMb: 4096,
    cpus: 2,
    maxTemplates: 5,
    budgetUsd: 150,
    budgetDuration: "30d",
    rpm: 60,
    tpm: 500_000,
    maxParallelRequests: 6,
    models: ["claude-haiku", "claude-sonnet", "gemini-flash"],
  },
};
