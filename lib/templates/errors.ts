import { valueAt } from "../value-at";
import type { z } from "zod";
import { MANIFEST_FIELDS } from "./schema";

/** A template, a manifest or a combination of templates that cannot be used. One line per problem. */
export class TemplateError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : problems.map((p) => `  - ${p}`).join("\n"));
    this.name = "TemplateError";
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
};

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
    .join("");
}

/** Turns one zod issue into a clause naming the field; the schema's own messages already do. */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const field = fieldPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const where = field ? ` in \`${field}\`` : "";
    const accepted = (MANIFEST_FIELDS[field] ?? []).join(", ");
    return `unknown field \`${issue.keys.join("`, `")}\`${where}; accepted fields are ${accepted}`;
  }
  if (issue.code === "invalid_type") {
    if (valueAt(raw, issue.path) === undefined) return `\`${field}\` is missing`;
    return `\`${field}\` must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
  }
  return issue.message;
}
