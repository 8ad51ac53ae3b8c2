import { mergeDomains } from "./domains";
import type { Template } from "./load";
import { OPENCLAW_PROFILE_TOOLS, type OpenClawProfile, expandToolEntry } from "./openclaw-tools";
import { ALWAYS_DENIED_TOOLS } from "./schema";

/**
 * What one worker may do and reach, from all the templates its subscriber chose. The worker image
 * renders `openclaw.json` from it (`toolProfile` → `tools.profile`, `toolsAllow` → `tools.alsoAllow`,
 * `toolsDeny` → `tools.deny`, `execCommands` → the exec approvals allowlist with `tools.exec.mode`
 * `allowlist`, or `deny` when the list is empty) and the egress proxy its allowlist.
 */
export interface WorkerCapabilities {
  templateIds: string[];
  browser: boolean;
  /** Squid `dstdomain` syntax, sorted, no entry covered by another. Empty without a browser. */
  egressDomains: string[];
  toolProfile: "minimal" | "coding" | "messaging" | "full";
  toolsDeny: string[];
  toolsAllow: string[];
  /** Absolute paths. */
  execCommands: string[];
  heartbeatMinutes: number;
}

/**
 * Combines templates for one worker. Capabilities add up (domains, tools, exec commands, browser) and
 * conflicting settings resolve to the stricter one:
 * - profile: the common one if all agree, else `minimal`, the only profile inside every other; the tools
 *   a broader profile gave its template are carried into `toolsAllow`, so no template loses a tool;
 * - deny beats allow: a tool any template denies (or every worker is denied) is denied, even when
 *   another template allows it or gets it from its profile;
 * - exec: when `exec` ends up denied, no exec command is granted;
 * - browser: needed by any template, unless the `browser` tool ends up denied; no browser, no domains;
 * - heartbeat: the shortest interval.
 */
export function combineTemplates(templates: readonly Template[]): WorkerCapabilities {
  const profiles = [...new Set(templates.map((t) => t.tools.profile))];
  const profile: OpenClawProfile = profiles.length === 1 ? profiles[0] : "minimal";
  const toolsDeny = sortedUnique([
    ...ALWAYS_DENIED_TOOLS,
    ...templates.flatMap((t) => t.tools.deny),
  ]);
  const denied = new Set(toolsDeny.flatMap(expandToolEntry));
  const inProfile = new Set<string>(OPENCLAW_PROFILE_TOOLS[profile]);
  const carried = templates
    .filter((t) => t.tools.profile !== profile)
    .flatMap((t) => OPENCLAW_PROFILE_TOOLS[t.tools.profile]);
  const toolsAllow = sortedUnique([...templates.flatMap((t) => t.tools.allow), ...carried]).filter(
    (entry) => !inProfile.has(entry) && !expandToolEntry(entry).every((tool) => denied.has(tool)),
  );
  const browser = templates.some((t) => t.browser) && !denied.has("browser");
  return {
    templateIds: templates.map((t) => t.id),
    browser,
    egressDomains: browser ? mergeDomains(templates.map((t) => t.egress_domains)) : [],
    toolProfile: profile,
    toolsDeny,
    toolsAllow,
    execCommands: denied.has("exec") ? [] : sortedUnique(templates.flatMap((t) => t.exec_commands)),
    heartbeatMinutes: Math.min(...templates.map((t) => t.heartbeat_minutes)),
  };
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
