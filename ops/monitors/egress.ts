/**
 * Egress denials per worker. Squid logs each refused request with the client address; the cell file's slot
 * map turns that address back into a worker slug. One alert per worker per run sums what was refused, so
 * a worker hammering a blocked domain raises one message, not thousands.
 */
import type { Alert, AlertSink } from "../alerts";
import type { CellView } from "../cell-file";
import type { Logger } from "../log";
import { readState, writeState } from "../state";
import { readNewLines, type FileCursor } from "../tail";

export interface Denial {
  address: string;
  destination: string;
}

/** Parses one line of Squid's native access log; only refusals are returned. */
export function parseDenial(line: string): Denial | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 7) return undefined;
  const [, , address, result, , , url] = fields;
  if (!/(DENIED|\/403$|\/407$)/.test(result)) return undefined;
  let destination = url;
  try {
    destination = url.includes("://") ? new URL(url).host : url;
  } catch {
    // keep the raw request target
  }
  return { address, destination: destination.replace(/:443$/, "") };
}

interface EgressState {
  log?: FileCursor;
}

export function summarise(cell: CellView, denials: Denial[], burst: number): Alert[] {
  const byWorker = new Map<string, Denial[]>();
  for (const denial of denials) {
    const slug = cell.slugByAddress.get(denial.address) ?? `unknown:${denial.address}`;
    byWorker.set(slug, [...(byWorker.get(slug) ?? []), denial]);
  }
  return [...byWorker].map(([key, list]): Alert => {
    const known = !key.startsWith("unknown:");
    const counts = new Map<string, number>();
    for (const d of list) counts.set(d.destination, (counts.get(d.destination) ?? 0) + 1);
    const top = [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([d, n]) => `${d} (${n})`);
    return {
      cell: cell.cell,
      slug: known ? key : null,
      monitor: "egress",
      kind: known ? "egress-denied" : "egress-denied-unknown-source",
      severity: list.length >= burst || !known ? "critical" : "warning",
      summary: `${known ? `Worker ${key}` : `Address ${key.slice(8)} (no worker)`}: ${list.length} requests refused by the egress proxy`,
      excerpt: top.join(", "),
      details: { denied: list.length, destinations: top },
    };
  });
}

export async function runEgress(options: {
  cell: CellView;
  accessLog: string;
  statePath: string;
  sink: AlertSink;
  log: Logger;
  burst?: number;
}): Promise<number> {
  const state = readState<EgressState>(options.statePath, () => ({}));
  const { lines, cursor } = readNewLines(options.accessLog, state.log, 16 * 1024 * 1024);
  state.log = cursor;
  const denials = lines.flatMap((line) => parseDenial(line) ?? []);
  const alerts = summarise(options.cell, denials, options.burst ?? 50);
  for (const alert of alerts) await options.sink.send(alert);
  writeState(options.statePath, state);
  options.log("egress.checked", {
    cell: options.cell.cell,
    denied: denials.length,
    alerts: alerts.length,
  });
  return alerts.length;
}
