/**
 * Row-by-row validation of a roster. Every problem of every row is reported at once, each naming the row
 * and the field, and no worker is declared unless the whole roster is sound.
 */
import { z } from "zod";
import { SLUG_PATTERN, maxSlot } from "../cell-contract";
import type { Cidr } from "../net";
import { PLAN_NAMES, type Plan, type PlanName } from "../plans";
import { valueAt } from "../value-at";
import { RosterError, type RosterEntry } from "./types";

/** What validation needs to know about templates; the template catalog provides it. */
export interface TemplateLookup {
  has(id: string): boolean;
  offeredTo(id: string, plan: PlanName): boolean;
}

export interface RosterContext {
  cell: string;
  workers: Cidr;
  plans: Record<PlanName, Plan>;
  templates: TemplateLookup;
}

export const MAX_ASSISTANT_NAME = 10_000;

const rowSchema = z.strictObject({
  user_id: z.uuid({ error: "is not a uuid" }),
  slug: z.string({ error: "is not a string" }).regex(SLUG_PATTERN, {
    error:
      "is not a DNS-safe slug (accepted: 3 to 40 of a-z, 0-9 and -, starting with a letter, no --)",
  }),
  cell: z.string({ error: "is not a string" }),
  slot: z.int({ error: "is not a whole number" }).min(0, { error: "is negative" }),
  plan: z.enum(PLAN_NAMES, { error: `is not a plan (accepted: ${PLAN_NAMES.join(", ")})` }),
  state: z.enum(["active", "suspended"], { error: "is not a state (accepted: active, suspended)" }),
  templates: z
    .array(z.string({ error: "is not a string" }), { error: "is not a list of template ids" })
    .min(1, { error: "is empty (accepted: at least one template id)" }),
  assistant_name: z
    .string({ error: "is not a string" })
    .max(MAX_ASSISTANT_NAME, { error: `is longer than ${MAX_ASSISTANT_NAME} characters` }),
});

export function validateRoster(rows: unknown[], ctx: RosterContext): RosterEntry[] {
  const problems: string[] = [];
  const entries: RosterEntry[] = [];
  const rowNumber = new Map<RosterEntry, number>();
  rows.forEach((row, index) => {
    const where = rowLabel(row, index);
    const parsed = rowSchema.safeParse(row);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(describe(where, issue, row));
      return;
    }
    const rowProblems = checkRow(parsed.data, ctx).map((p) => `${where}: ${p}`);
    problems.push(...rowProblems);
    if (!rowProblems.length) {
      entries.push(parsed.data);
      rowNumber.set(parsed.data, index + 1);
    }
  });
  for (const field of ["slug", "slot", "user_id"] as const) {
    problems.push(...duplicates(entries, field, rowNumber));
  }
  if (problems.length) throw new RosterError(problems);
  return entries.sort((a, b) => a.slot - b.slot);
}

function checkRow(row: RosterEntry, ctx: RosterContext): string[] {
  const problems: string[] = [];
  if (row.cell !== ctx.cell) {
    problems.push(`\`cell\` ${JSON.stringify(row.cell)} is not this cell (accepted: ${ctx.cell})`);
  }
  const highest = maxSlot(ctx.workers);
  if (row.slot > highest) {
    problems.push(`\`slot\` ${row.slot} is outside the workers subnet (accepted: 0 to ${highest})`);
  }
  for (const id of row.templates) {
    if (!ctx.templates.has(id)) {
      problems.push(`\`templates\` names unknown template ${JSON.stringify(short(id))}`);
    } else if (!ctx.templates.offeredTo(id, row.plan)) {
      problems.push(`\`templates\` template ${id} is not offered on the ${row.plan} plan`);
    }
  }
  const limit = ctx.plans[row.plan].maxTemplates;
  if (row.templates.length > limit) {
    problems.push(
      `\`templates\` has ${row.templates.length} templates (accepted: at most ${limit} on ${row.plan})`,
    );
  }
  if (new Set(row.templates).size !== row.templates.length) {
    problems.push("`templates` names a template twice");
  }
  return problems;
}

function duplicates(
  entries: RosterEntry[],
  field: "slug" | "slot" | "user_id",
  rowNumber: Map<RosterEntry, number>,
): string[] {
  const first = new Map<unknown, RosterEntry>();
  const problems: string[] = [];
  for (const e of entries) {
    const earlier = first.get(e[field]);
    if (!earlier) {
      first.set(e[field], e);
      continue;
    }
    problems.push(
      `roster row ${rowNumber.get(e)} (slug ${JSON.stringify(e.slug)}): \`${field}\` ` +
        `${JSON.stringify(e[field])} is already used by roster row ${rowNumber.get(earlier)} ` +
        `(accepted: unique within the cell)`,
    );
  }
  return problems;
}

function rowLabel(row: unknown, index: number): string {
  const slug = (row as { slug?: unknown } | null)?.slug;
  return typeof slug === "string"
    ? `roster row ${index + 1} (slug ${JSON.stringify(short(slug))})`
    : `roster row ${index + 1}`;
}

function describe(where: string, issue: z.core.$ZodIssue, row: unknown): string {
  if (issue.code === "unrecognized_keys") {
    return `${where}: unknown column ${issue.keys.map((k) => `\`${k}\``).join(", ")}`;
  }
  const field = issue.path.map(String).join(".");
  const value = valueAt(row, issue.path);
  const shown = value === undefined ? "is missing:" : JSON.stringify(short(value));
  return `${where}: \`${field}\` ${shown} ${issue.message}`;
}

/** Untrusted values are quoted in messages, cut short so a hostile row cannot flood the log. */
function short(value: unknown): unknown {
  return typeof value === "string" && value.length > 60 ? `${value.slice(0, 57)}...` : value;
}
