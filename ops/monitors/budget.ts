/**
 * Budget warnings from the model gateway. LiteLLM's admin API lists every virtual key with its spend and
 * budget; a worker's key carries `metadata.cell` and `metadata.slug`. Each threshold is reported once per
 * budget period (LiteLLM's `budget_reset_at`), so a worker sitting at 85% is not reported every hour.
 */
import type { Alert, AlertSink } from "../alerts";
import type { CellView } from "../cell-file";
import type { Logger } from "../log";
import { readState, writeState } from "../state";

export interface GatewayKey {
  key_alias?: string | null;
  spend?: number | null;
  max_budget?: number | null;
  budget_reset_at?: string | null;
  metadata?: { cell?: string; slug?: string } | null;
}

interface BudgetState {
  reported: Record<string, { period: string; threshold: number }>;
}

export async function listKeys(adminUrl: string, masterKey: string): Promise<GatewayKey[]> {
  const keys: GatewayKey[] = [];
  for (let page = 1; page <= 1000; page++) {
    const url = `${adminUrl.replace(/\/$/, "")}/key/list?return_full_object=true&page=${page}&size=100`;
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${masterKey}` },
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw new Error(`the model gateway answered ${response.status} to /key/list`);
    const body = (await response.json()) as { keys?: GatewayKey[]; total_pages?: number };
    keys.push(...(body.keys ?? []));
    if (!body.total_pages || page >= body.total_pages) break;
  }
  return keys;
}

export function budgetAlerts(
  cell: CellView,
  keys: GatewayKey[],
  state: BudgetState,
  thresholds: number[],
): Alert[] {
  const alerts: Alert[] = [];
  for (const key of keys) {
    const slug = key.metadata?.slug;
    if (!slug || key.metadata?.cell !== cell.cell || !cell.slugs.has(slug)) continue;
    if (!key.max_budget || key.max_budget <= 0) continue;
    const share = (key.spend ?? 0) / key.max_budget;
    const crossed = thresholds.filter((t) => share >= t).pop();
    const period = key.budget_reset_at ?? "no-reset";
    const previous = state.reported[slug];
    const already = previous && previous.period === period ? previous.threshold : 0;
    if (crossed === undefined || crossed <= already) continue;
    state.reported[slug] = { period, threshold: crossed };
    alerts.push({
      cell: cell.cell,
      slug,
      monitor: "budget",
      kind: crossed >= 1 ? "budget-exhausted" : "budget-warning",
      severity: crossed >= 1 ? "critical" : "warning",
      summary: `Worker ${slug} has used ${Math.round(share * 100)}% of its model budget (${(key.spend ?? 0).toFixed(2)} of ${key.max_budget.toFixed(2)} USD)`,
      details: { spendUsd: key.spend ?? 0, budgetUsd: key.max_budget, resetsAt: period },
    });
  }
  return alerts;
}

export async function runBudget(options: {
  cell: CellView;
  adminUrl: string;
  masterKey: string;
  statePath: string;
  sink: AlertSink;
  log: Logger;
  thresholds?: number[];
}): Promise<number> {
  const state = readState<BudgetState>(options.statePath, () => ({ reported: {} }));
  const keys = await listKeys(options.adminUrl, options.masterKey);
  const alerts = budgetAlerts(options.cell, keys, state, options.thresholds ?? [0.8, 1]);
  for (const alert of alerts) await options.sink.send(alert);
  writeState(options.statePath, state);
  options.log("budget.checked", {
    cell: options.cell.cell,
    keys: keys.length,
    alerts: alerts.length,
  });
  return alerts.length;
}
