/**
 * The one way the program gets its roster: read the source, validate every row, then refuse a roster
 * that would stop more workers than the deletion guard allows. Any failure stops the deploy before a
 * single resource is declared; nothing here ever turns into "delete everyone".
 */
import { checkRemovals } from "./guard";
import { RosterError, type RosterEntry, type RosterSource } from "./types";
import { type RosterContext, validateRoster } from "./validate";

export interface RemovalGuard {
  /** Slugs that had a running worker after the last deploy; undefined on a cell's first deploy. */
  previous: string[] | undefined;
  maxCount: number;
  maxShare: number;
  /** The operator's one-run override: the exact number of removals they expect. */
  allowRemovals?: number;
  overrideName?: string;
}

export async function loadRoster(
  source: RosterSource,
  ctx: RosterContext,
  guard: RemovalGuard,
): Promise<RosterEntry[]> {
  let rows: unknown[];
  try {
    rows = await source.load();
  } catch (err) {
    if (err instanceof RosterError) throw err;
    throw new RosterError([
      `the roster source ${source.describe()} failed: ${(err as Error).message}`,
    ]);
  }
  const entries = validateRoster(rows, ctx);
  if (guard.previous !== undefined) {
    checkRemovals({
      previous: guard.previous,
      next: entries.filter((e) => e.state === "active").map((e) => e.slug),
      maxCount: guard.maxCount,
      maxShare: guard.maxShare,
      allowRemovals: guard.allowRemovals,
      overrideName: guard.overrideName,
    });
  }
  return entries;
}
