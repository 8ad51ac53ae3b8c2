/**
 * The transcript and log scanner. For each worker of the cell it reads what is new since the last run
 * (cursors in the state file), runs the rules and sends one alert per offending transcript entry or log
 * line. It only ever opens worker files for reading.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { workerVolumeName } from "../../lib/cell-contract";
import type { Alert, AlertSink } from "../alerts";
import type { CellView } from "../cell-file";
import type { Logger } from "../log";
import { readState, writeState } from "../state";
import { readNewLines, type FileCursor } from "../tail";
import { detect, type Finding } from "./detect";
import { piecesOf } from "./pieces";
import { readNewEvents } from "./transcripts";

export interface ScanOptions {
  cell: CellView;
  /** Where Docker keeps named volumes; a worker's files are under `<root>/iw-data-<slug>/_data`. */
  volumesRoot: string;
  statePath: string;
  sink: AlertSink;
  log: Logger;
  /** Beyond this many alerts for one worker in one run, the rest are summed into one alert. */
  maxAlertsPerWorker?: number;
}

interface ScanState {
  transcripts: Record<string, Record<string, number>>;
  logs: Record<string, FileCursor>;
}

const LOG_DIRS = ["logs", "state/logs"];
const MAX_LOG_BYTES_PER_RUN = 8 * 1024 * 1024;

function agentDatabases(dataDir: string): string[] {
  const agents = join(dataDir, "state", "agents");
  if (!existsSync(agents)) return [];
  return readdirSync(agents)
    .map((agent) => join(agents, agent, "agent", "openclaw-agent.sqlite"))
    .filter((path) => existsSync(path));
}

function kindOf(findings: Finding[]): { kind: string; severity: Alert["severity"] } {
  if (findings.some((f) => f.family === "command"))
    return { kind: "suspicious-command", severity: "critical" };
  if (findings.some((f) => f.family === "exfiltration"))
    return { kind: "exfiltration", severity: "critical" };
  return { kind: "prompt-injection", severity: "warning" };
}

function findingsAlert(cell: string, slug: string, where: string, findings: Finding[]): Alert {
  const rules = [...new Set(findings.map((f) => f.rule))];
  const decoded = findings.filter((f) => f.via !== "plain").map((f) => f.via);
  return {
    cell,
    slug,
    monitor: "scanner",
    ...kindOf(findings),
    summary: `Worker ${slug}: ${rules.join(", ")} in ${where}${decoded.length ? ` (after ${[...new Set(decoded)].join(", ")})` : ""}`,
    excerpt: findings[0].excerpt,
    details: { rules, where },
  };
}

function scanTranscripts(path: string, state: ScanState, slug: string, cell: string): Alert[] {
  const cursors = (state.transcripts[path] ??= {});
  const alerts: Alert[] = [];
  for (const event of readNewEvents(path, cursors)) {
    cursors[event.sessionId] = Math.max(cursors[event.sessionId] ?? -1, event.seq);
    if (event.json === null) continue;
    let entry: unknown;
    try {
      entry = JSON.parse(event.json);
    } catch {
      continue;
    }
    const findings = piecesOf(entry).flatMap((piece) => detect(piece.text, piece.channel));
    if (findings.length) {
      const where = `transcript session ${event.sessionKey ?? event.sessionId} entry ${event.seq}`;
      alerts.push(findingsAlert(cell, slug, where, findings));
    }
  }
  return alerts;
}

function scanLogs(dataDir: string, state: ScanState, slug: string, cell: string): Alert[] {
  const alerts: Alert[] = [];
  for (const dir of LOG_DIRS.map((d) => join(dataDir, d)).filter((d) => existsSync(d))) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith(".log"))) {
      const path = join(dir, name);
      const { lines, cursor } = readNewLines(path, state.logs[path], MAX_LOG_BYTES_PER_RUN);
      state.logs[path] = cursor;
      lines.forEach((line, index) => {
        const findings = detect(line, "action");
        if (findings.length)
          alerts.push(findingsAlert(cell, slug, `log ${name} line +${index + 1}`, findings));
      });
    }
  }
  return alerts;
}

export async function runScan(options: ScanOptions): Promise<{ alerts: number; workers: number }> {
  const { cell, sink, log } = options;
  const limit = options.maxAlertsPerWorker ?? 10;
  const state = readState<ScanState>(options.statePath, () => ({ transcripts: {}, logs: {} }));
  let sent = 0;
  for (const worker of cell.workers) {
    const dataDir = join(options.volumesRoot, workerVolumeName(worker.slug), "_data");
    const alerts: Alert[] = [];
    try {
      for (const db of agentDatabases(dataDir))
        alerts.push(...scanTranscripts(db, state, worker.slug, cell.cell));
      alerts.push(...scanLogs(dataDir, state, worker.slug, cell.cell));
    } catch (error) {
      log("scan.worker-failed", { cell: cell.cell, slug: worker.slug, reason: String(error) });
      continue;
    }
    for (const alert of alerts.slice(0, limit)) await sink.send(alert);
    if (alerts.length > limit) {
      await sink.send({
        cell: cell.cell,
        slug: worker.slug,
        monitor: "scanner",
        kind: "scanner-flood",
        severity: "critical",
        summary: `Worker ${worker.slug}: ${alerts.length - limit} more findings in this run were not sent one by one`,
      });
    }
    sent += Math.min(alerts.length, limit + 1);
    log("scan.worker", { cell: cell.cell, slug: worker.slug, findings: alerts.length });
  }
  writeState(options.statePath, state);
  return { alerts: sent, workers: cell.workers.length };
}
