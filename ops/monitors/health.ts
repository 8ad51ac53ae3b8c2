/**
 * Worker health. A worker Docker reports `unhealthy` is restarted; one that has exited is started again,
 * but only when its pids limit is already in place (a worker still being created by a deploy has none yet
 * and is left alone). Restarts are remembered: a third within the window raises a restart-loop alarm and
 * the monitor stops restarting that worker until the window has passed, so an operator sees the loop
 * instead of the monitor feeding it.
 */
import { LABELS } from "../../lib/cell-contract";
import type { Alert, AlertSink } from "../alerts";
import type { CellView } from "../cell-file";
import type { DockerApi } from "../docker-api";
import type { Logger } from "../log";
import { readState, writeState } from "../state";

interface Inspect {
  Id: string;
  State: { Status: string; Running: boolean; Health?: { Status: string } };
  HostConfig: { PidsLimit?: number | null };
  Config: { Labels: Record<string, string> };
}

interface HealthState {
  restarts: Record<string, string[]>;
}

export interface HealthOptions {
  api: DockerApi;
  cell: CellView;
  statePath: string;
  sink: AlertSink;
  log: Logger;
  now?: Date;
  loopWindowMinutes?: number;
  loopRestarts?: number;
}

async function workerContainers(api: DockerApi, cell: string): Promise<Map<string, Inspect>> {
  const filters = encodeURIComponent(
    JSON.stringify({ label: [`${LABELS.role}=worker`, `${LABELS.cell}=${cell}`] }),
  );
  const list = await api.json<Array<{ Id: string }>>(
    "GET",
    `/containers/json?all=1&filters=${filters}`,
  );
  const bySlug = new Map<string, Inspect>();
  for (const { Id } of list) {
    const inspect = await api.json<Inspect>("GET", `/containers/${Id}/json`);
    bySlug.set(inspect.Config.Labels[LABELS.slug], inspect);
  }
  return bySlug;
}

function trouble(container: Inspect): "unhealthy" | "exited" | undefined {
  if (container.State.Running && container.State.Health?.Status === "unhealthy") return "unhealthy";
  if (["exited", "dead"].includes(container.State.Status)) return "exited";
  return undefined;
}

export async function runHealth(options: HealthOptions): Promise<Alert[]> {
  const { api, cell, sink, log } = options;
  const now = options.now ?? new Date();
  const windowMs = (options.loopWindowMinutes ?? 30) * 60_000;
  const state = readState<HealthState>(options.statePath, () => ({ restarts: {} }));
  const containers = await workerContainers(api, cell.cell);
  const alerts: Alert[] = [];
  const alert = (slug: string, kind: string, severity: Alert["severity"], summary: string) =>
    alerts.push({ cell: cell.cell, slug, monitor: "health", kind, severity, summary });

  for (const worker of cell.workers.filter((w) => w.state === "active")) {
    const container = containers.get(worker.slug);
    const recent = (state.restarts[worker.slug] ?? []).filter(
      (t) => now.getTime() - Date.parse(t) < windowMs,
    );
    state.restarts[worker.slug] = recent;
    if (!container) {
      alert(
        worker.slug,
        "worker-missing",
        "critical",
        `Worker ${worker.slug} is in the roster but has no container; redeploy the cell`,
      );
      continue;
    }
    const problem = trouble(container);
    if (!problem) continue;
    if (recent.length >= (options.loopRestarts ?? 3)) {
      alert(
        worker.slug,
        "restart-loop",
        "critical",
        `Worker ${worker.slug} is ${problem} again after ${recent.length} restarts in ${windowMs / 60_000} minutes; not restarting it`,
      );
      continue;
    }
    if (
      problem === "exited" &&
      !(container.HostConfig.PidsLimit && container.HostConfig.PidsLimit > 0)
    ) {
      alert(
        worker.slug,
        "worker-down",
        "critical",
        `Worker ${worker.slug} has exited and has no pids limit yet; left for the deploy`,
      );
      continue;
    }
    await api.json(
      "POST",
      `/containers/${container.Id}/${problem === "unhealthy" ? "restart?t=10" : "start"}`,
    );
    recent.push(now.toISOString());
    log("health.restarted", { cell: cell.cell, slug: worker.slug, problem });
    alert(
      worker.slug,
      "worker-restarted",
      "warning",
      `Worker ${worker.slug} was ${problem} and has been ${problem === "unhealthy" ? "restarted" : "started"}`,
    );
  }
  for (const a of alerts) await sink.send(a);
  writeState(options.statePath, state);
  return alerts;
}
