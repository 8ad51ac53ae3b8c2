/**
 * The purge: for every worker volume whose user has been absent from the roster longer than the retention
 * period, archive it, verify the archive against the live volume, and only then remove the volume. A dry
 * run (the default) logs the same plan and touches nothing. Each step is one JSON log line.
 */
import { join } from "node:path";
import type { CellView } from "../cell-file";
import type { DockerApi } from "../docker-api";
import type { Logger } from "../log";
import { archiveVolume, containersUsing, listWorkerVolumes, verifyAgainstVolume } from "./archive";
import { guardRoster, planPurge, type Ledger, type PlanEntry } from "./ledger";

export interface PurgeOptions {
  api: DockerApi;
  cell: CellView;
  ledger: Ledger;
  archiveRoot: string;
  retentionDays: number;
  helperImage: string;
  confirm: boolean;
  allowEmptyRoster: boolean;
  log: Logger;
  now?: Date;
}

export interface PurgeReport {
  plan: PlanEntry[];
  purged: string[];
  failed: string[];
}

async function purgeOne(options: PurgeOptions, entry: PlanEntry, now: Date): Promise<boolean> {
  const { api, log, helperImage } = options;
  const base = { cell: options.cell.cell, slug: entry.slug, volume: entry.volume };
  const users = await containersUsing(api, entry.volume);
  if (users.length) {
    log("purge.skipped", {
      ...base,
      reason: "volume is mounted by a container",
      containers: users,
    });
    return false;
  }
  const dir = join(options.archiveRoot, options.cell.cell);
  log("purge.archive.start", { ...base, dir });
  const archive = await archiveVolume(api, entry.volume, dir, helperImage, now);
  log("purge.archive.done", { ...base, archive: archive.path, sha256: archive.sha256 });
  const entries = await verifyAgainstVolume(api, archive.path, entry.volume, helperImage);
  log("purge.verify.ok", { ...base, archive: archive.path, entries });
  await api.json("DELETE", `/volumes/${encodeURIComponent(entry.volume)}`);
  log("purge.remove.done", { ...base, archive: archive.path });
  return true;
}

export async function runPurge(options: PurgeOptions): Promise<PurgeReport> {
  const { log, cell } = options;
  const now = options.now ?? new Date();
  const volumes = await listWorkerVolumes(options.api);
  guardRoster(cell.slugs, volumes, options.allowEmptyRoster);
  const plan = planPurge(volumes, cell.slugs, options.ledger, now, options.retentionDays);
  for (const entry of plan) {
    log("purge.plan", {
      cell: cell.cell,
      slug: entry.slug,
      volume: entry.volume,
      decision: entry.decision,
      absentSince: entry.absentSince,
      daysAbsent: entry.daysAbsent,
      retentionDays: options.retentionDays,
    });
  }
  const due = plan.filter((e) => e.decision === "purge");
  const report: PurgeReport = { plan, purged: [], failed: [] };
  if (!options.confirm) {
    log("purge.dry-run", {
      cell: cell.cell,
      due: due.map((e) => e.volume),
      hint: "pass --confirm to purge",
    });
    return report;
  }
  for (const entry of due) {
    try {
      if (await purgeOne(options, entry, now)) report.purged.push(entry.volume);
    } catch (error) {
      report.failed.push(entry.volume);
      log("purge.failed", {
        cell: cell.cell,
        slug: entry.slug,
        volume: entry.volume,
        reason: (error as Error).message,
      });
    }
  }
  log("purge.done", { cell: cell.cell, purged: report.purged, failed: report.failed });
  return report;
}
