import { z } from "zod";
import { PLAN_NAMES } from "../plans";
import { coveringDomain, domainProblem } from "./domains";
import { execCommandProblem } from "./exec-policy";
import {
  OPENCLAW_PROFILE_TOOLS,
  OPENCLAW_VERSION,
  expandToolEntry,
  isOpenClawToolName,
} from "./openclaw-tools";

/** Same shape as a worker slug: templates are named in URLs of the dashboard and in labels. */
export const TEMPLATE_ID_PATTERN = /^(?!.*--)[a-z][a-z0-9-]{1,38}[a-z0-9]$/;

/**
 * Profiles a template may start from. `full` is left out on purpose: it selects every tool including
 * those of plugins installed later, so a template using it would grant tools nobody reviewed.
 */
export const TEMPLATE_PROFILES = ["minimal", "messaging", "coding"] as const;

/**
 * Tools no worker gets whatever its templates say: they change OpenClaw's own configuration or install
 * code (`gateway`, `plugins`, `openclaw`), reach paired devices (`group:nodes`), run code outside the
 * exec allowlist (`code_execution`, `terminal`), or collect credentials the platform cannot protect.
 */
export const ALWAYS_DENIED_TOOLS = [
  "code_execution",
  "gateway",
  "group:nodes",
  "openclaw",
  "plugins",
  "secrets",
  "terminal",
] as const;

const alwaysDenied = new Set(ALWAYS_DENIED_TOOLS.flatMap(expandToolEntry));

const toolName = (field: string) =>
  z.string().refine(isOpenClawToolName, {
    error: (issue) =>
      `\`${field}\` names \`${String(issue.input)}\`, which is not an OpenClaw ${OPENCLAW_VERSION} tool or ` +
      "group (see lib/templates/openclaw-tools.ts)",
  });

const domain = z.string().superRefine((value, ctx) => {
  const problem = domainProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `egress domain \`${value}\` ${problem}` });
});

const execCommand = z.string().superRefine((value, ctx) => {
  const problem = execCommandProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `exec command \`${value}\` ${problem}` });
});

const toolsSchema = z.strictObject({
  profile: z.enum(TEMPLATE_PROFILES, {
    error: (issue) =>
      `\`tools.profile\` is \`${String(issue.input)}\`; accepted profiles are ` +
      `${TEMPLATE_PROFILES.join(", ")} (\`full\` would grant every plugin tool unreviewed)`,
  }),
  allow: z.array(toolName("tools.allow")).default([]),
  deny: z.array(toolName("tools.deny")).default([]),
});

const baseSchema = z.strictObject({
  id: z.string().regex(TEMPLATE_ID_PATTERN, {
    error: "`id` must be 3-40 characters of a-z, 0-9 and single hyphens, starting with a letter",
  }),
  name: z
    .string()
    .trim()
    .min(1, { error: "`name` is empty" })
    .max(80, { error: "`name` is longer than 80 characters" }),
  description: z
    .string()
    .trim()
    .min(1, { error: "`description` is empty" })
    .max(500, { error: "`description` is longer than 500 characters" }),
  plans: z
    .array(
      z.enum(PLAN_NAMES, {
        error: (issue) =>
          `\`plans\` names \`${String(issue.input)}\`, which is not a plan; accepted plans are ` +
          PLAN_NAMES.join(", "),
      }),
    )
    .min(1, {
      error: `\`plans\` is empty, so the template is offered to no plan; list some of ${PLAN_NAMES.join(", ")}`,
    }),
  browser: z.boolean(),
  egress_domains: z.array(domain).default([]),
  tools: toolsSchema,
  exec_commands: z.array(execCommand).default([]),
  heartbeat_minutes: z
    .number()
    .int({ error: "`heartbeat_minutes` must be a whole number of minutes" })
    .min(5, { error: "`heartbeat_minutes` is below 5; a worker may wake at most every 5 minutes" })
    .max(1440, { error: "`heartbeat_minutes` is above 1440; a worker must wake at least daily" }),
});

export type TemplateManifest = z.infer<typeof baseSchema>;

export const templateManifestSchema = baseSchema.superRefine((m, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message });
  for (const [field, list] of Object.entries(listsOf(m))) {
    const dup = list.find((v, i) => list.indexOf(v) !== i);
    if (dup !== undefined) fail(`\`${field}\` lists \`${dup}\` twice`);
  }
  for (const d of m.egress_domains) {
    const cover = coveringDomain(d, m.egress_domains);
    if (cover)
      fail(`egress domain \`${d}\` is already covered by \`${cover}\`; keep only \`${cover}\``);
  }
  if (m.browser && m.egress_domains.length === 0) {
    fail(
      "`browser` is true but `egress_domains` is empty; a browser that may reach nothing is useless",
    );
  }
  if (!m.browser && m.egress_domains.length > 0) {
    fail(
      "`egress_domains` is set but `browser` is false; a worker without a browser gets no egress proxy",
    );
  }
  checkTools(m, fail);
});

function listsOf(m: z.infer<typeof baseSchema>): Record<string, string[]> {
  return {
    plans: m.plans,
    egress_domains: m.egress_domains,
    "tools.allow": m.tools.allow,
    "tools.deny": m.tools.deny,
    exec_commands: m.exec_commands,
  };
}

function checkTools(m: TemplateManifest, fail: (message: string) => void): void {
  for (const entry of m.tools.allow) {
    if (expandToolEntry(entry).some((t) => alwaysDenied.has(t))) {
      fail(
        `\`tools.allow\` names \`${entry}\`, which no worker may have (${ALWAYS_DENIED_TOOLS.join(", ")})`,
      );
    }
    if (m.tools.deny.includes(entry))
      fail(`\`tools.allow\` and \`tools.deny\` both name \`${entry}\``);
  }
  const grantsBrowser = grants(m, "browser");
  if (m.browser && !grantsBrowser) {
    fail("`browser` is true but the template does not grant the `browser` tool in `tools.allow`");
  }
  if (!m.browser && grantsBrowser) {
    fail("`tools.allow` grants the `browser` tool but `browser` is false");
  }
  if (m.exec_commands.length > 0 && !grants(m, "exec")) {
    fail("`exec_commands` is set but the template does not grant the `exec` tool");
  }
}

/** Whether the template's profile or allow list selects `tool` and its deny list does not remove it. */
export function grants(m: Pick<TemplateManifest, "tools">, tool: string): boolean {
  const inProfile = (OPENCLAW_PROFILE_TOOLS[m.tools.profile] as readonly string[]).includes(tool);
  const allowed = inProfile || m.tools.allow.some((e) => expandToolEntry(e).includes(tool));
  return allowed && !m.tools.deny.some((e) => expandToolEntry(e).includes(tool));
}

export type TemplateManifestInput = z.input<typeof baseSchema>;

/** Field names accepted at each level of a manifest, for the unknown-field message. */
export const MANIFEST_FIELDS: Record<string, readonly string[]> = {
  "": Object.keys(baseSchema.shape),
  tools: Object.keys(toolsSchema.shape),
};
