/**
 * The deletion guard: a roster that would stop more workers at once than the operator's bound is far
 * more likely a broken query, a wrong cell or a billing outage than a real wave of cancellations, so the
 * deploy is refused until an operator confirms the exact number.
 */
import { RosterError } from "./types";

export interface RemovalCheck {
  /** Slugs that had a running worker after the last deploy. */
  previous: string[];
  /** Slugs that would have a running worker after this deploy. */
  next: string[];
  /** Most removals allowed in one deploy without an override. */
  maxCount: number;
  /** Largest share (0 to 1) of `previous` allowed to go in one deploy without an override. */
  maxShare: number;
  /**
   * The operator's one-run override: the exact number of removals they expect. It approves only that
   * number, so an override left in place cannot wave through a bigger accident on a later deploy.
   */
  allowRemovals?: number;
  /** How the operator gives the override, named in the refusal (e.g. an environment variable). */
  overrideName?: string;
}

/** Returns the slugs that would be removed (sorted) or throws a RosterError listing them. */
export function checkRemovals(check: RemovalCheck): string[] {
  checkBounds(check);
  const staying = new Set(check.next);
  const removed = [...new Set(check.previous)].filter((slug) => !staying.has(slug)).sort();
  if (removed.length === 0 || check.allowRemovals === removed.length) return removed;

  const total = new Set(check.previous).size;
  const reasons: string[] = [];
  if (check.next.length === 0) reasons.push("the new roster is empty");
  if (removed.length > check.maxCount) reasons.push(`more than ${check.maxCount} workers`);
  if (removed.length / total > check.maxShare) {
    reasons.push(`more than ${percent(check.maxShare)} of the cell`);
  }
  if (reasons.length === 0) return removed;

  const override =
    check.allowRemovals === undefined
      ? `set ${check.overrideName ?? "the removal override"} to ${removed.length} for one run`
      : `the removal override is ${check.allowRemovals}, not ${removed.length}`;
  throw new RosterError([
    `deletion guard: the roster would remove ${removed.length} of ${total} running workers (${reasons.join(", ")}); ` +
      `if that is intended, ${override}; removed: ${removed.join(", ")}`,
  ]);
}

function checkBounds(check: RemovalCheck): void {
  const problems: string[] = [];
  if (!Number.isInteger(check.maxCount) || check.maxCount < 0) {
    problems.push(
      `\`maxCount\` ${check.maxCount} is not a whole number of workers (accepted: 0 or more)`,
    );
  }
  if (!(check.maxShare >= 0 && check.maxShare <= 1)) {
    problems.push(`\`maxShare\` ${check.maxShare} is not a share (accepted: 0 to 1)`);
  }
  const allow = check.allowRemovals;
  if (allow !== undefined && (!Number.isInteger(allow) || allow < 0)) {
    problems.push(
      `\`allowRemovals\` ${allow} is not a whole number of workers (accepted: 0 or more)`,
    );
  }
  if (problems.length) throw new RosterError(problems);
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
