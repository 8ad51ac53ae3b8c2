/**
 * The absence ledger: when each data volume was first seen without its user in the roster. Docker volume
 * labels cannot change after creation and the roster forgets users who leave, so the cell host keeps this
 * record itself (`/var/lib/instantworker/lifecycle/absence.json`), updated by a daily timer. The clock starts when
 * absence is first *observed*, never earlier, so a late or missed run can only delay a purge, never
 * hasten it. A user who comes back is taken off the ledger.
 */
import { SLUG_PATTERN } from "../../lib/cell-contract";
import { OpsError } from "../errors";

export interface Ledger {
  version: 1;
  absent: Record<string, { slug: string; since: string }>;
}

export const emptyLedger = (): Ledger => ({ version: 1, absent: {} });

const VOLUME = /^iw-data-(.+)$/;

/** The slug a worker data volume belongs to, or undefined for any other volume. */
export function slugOfVolume(volume: string): string | undefined {
  const slug = VOLUME.exec(volume)?.[1];
  return slug && SLUG_PATTERN.test(slug) ? slug : undefined;
}

/**
 * Refuses an empty roster on a host that still holds worker volumes: that is an unreadable or truncated
 * cell file far more often than a cell whose every user left, and it would start every clock at once.
 */
export function guardRoster(
  rosterSlugs: Set<string>,
  volumes: string[],
  allowEmpty: boolean,
): void {
  const workerVolumes = volumes.filter((v) => slugOfVolume(v));
  if (rosterSlugs.size === 0 && workerVolumes.length > 0 && !allowEmpty) {
    throw new OpsError(
      `The roster is empty but ${workerVolumes.length} worker volumes exist; pass --allow-empty-roster if every user really left.`,
    );
  }
}

export function recordAbsence(
  ledger: Ledger,
  volumes: string[],
  rosterSlugs: Set<string>,
  now: Date,
): { ledger: Ledger; started: string[]; cleared: string[] } {
  const absent: Ledger["absent"] = {};
  const started: string[] = [];
  for (const volume of volumes) {
    const slug = slugOfVolume(volume);
    if (!slug || rosterSlugs.has(slug)) continue;
    absent[volume] = ledger.absent[volume] ?? { slug, since: now.toISOString() };
    if (!ledger.absent[volume]) started.push(volume);
  }
  const cleared = Object.keys(ledger.absent).filter((v) => !(v in absent));
  return { ledger: { version: 1, absent }, started, cleared };
}

export type Decision = "in-roster" | "absence-not-recorded" | "within-retention" | "purge";

export interface PlanEntry {
  volume: string;
  slug: string;
  decision: Decision;
  absentSince?: string;
  daysAbsent?: number;
}

export function planPurge(
  volumes: string[],
  rosterSlugs: Set<string>,
  ledger: Ledger,
  now: Date,
  retentionDays: number,
): PlanEntry[] {
  const plan: PlanEntry[] = [];
  for (const volume of [...volumes].sort()) {
    const slug = slugOfVolume(volume);
    if (!slug) continue;
    if (rosterSlugs.has(slug)) {
      plan.push({ volume, slug, decision: "in-roster" });
      continue;
    }
    const record = ledger.absent[volume];
    if (!record) {
      plan.push({ volume, slug, decision: "absence-not-recorded" });
      continue;
    }
    const daysAbsent = Math.floor((now.getTime() - Date.parse(record.since)) / 86_400_000);
    const decision = daysAbsent >= retentionDays ? "purge" : "within-retention";
    plan.push({ volume, slug, decision, absentSince: record.since, daysAbsent });
  }
  return plan;
}
