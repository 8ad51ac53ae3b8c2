/**
 * OpenClaw's tool names, groups and profiles as data, copied from the tool catalog of the pinned
 * openclaw package (dist/tool-catalog-*.mjs and dist/tool-policy-shared-*.mjs). Template manifests are
 * checked against this list so a misspelt or retired tool name fails at load time instead of silently
 * matching nothing in `tools.deny`. test/templates/openclaw-tools.test.ts compares it with the installed
 * package; rerun it after bumping OpenClaw.
 */
export const OPENCLAW_VERSION = "2026.9.6";

export const OPENCLAW_TOOL_GROUPS: Readonly<Record<string, readonly string[]>> = {
  "group:openclaw": [
    "code_execution",
    "secrets",
    "web_search",
    "web_fetch",
    "x_search",
    "memory_search",
    "memory_get",
    "sessions",
    "sessions_list",
    "sessions_history",
    "sessions_search",
    "conversations_list",
    "conversations_send",
    "conversations_turn",
    "sessions_send",
    "sessions_spawn",
    "github_identity_status",
    "github_publish",
    "agents_wait",
    "sessions_yield",
    "subagents",
    "session_status",
    "suggest_task",
    "dismiss_task",
    "browser",
    "screen",
    "theme",
    "dashboard",
    "terminal",
    "portal",
    "show_widget",
    "message",
    "heartbeat_respond",
    "automations",
    "gateway",
    "plugins",
    "openclaw",
    "nodes",
    "computer",
    "mobile_ui",
    "agents_list",
    "get_goal",
    "create_goal",
    "update_goal",
    "progress_card",
    "ask_user",
    "skill_workshop",
    "view_image",
    "image_generate",
    "music_generate",
    "video_generate",
    "tts",
    "pdf",
  ],
  "group:fs": ["ls", "read", "write", "edit", "apply_patch"],
  "group:runtime": ["exec", "process", "code_execution", "secrets"],
  "group:web": ["web_search", "web_fetch", "x_search"],
  "group:memory": ["memory_search", "memory_get"],
  "group:sessions": [
    "sessions",
    "sessions_list",
    "sessions_history",
    "sessions_search",
    "conversations_list",
    "conversations_send",
    "conversations_turn",
    "sessions_send",
    "sessions_spawn",
    "github_identity_status",
    "github_publish",
    "agents_wait",
    "sessions_yield",
    "subagents",
    "session_status",
    "suggest_task",
    "dismiss_task",
  ],
  "group:ui": [
    "browser",
    "screen",
    "theme",
    "dashboard",
    "terminal",
    "portal",
    "canvas",
    "show_widget",
  ],
  "group:messaging": ["message"],
  "group:automation": ["heartbeat_respond", "automations", "gateway", "plugins", "openclaw"],
  "group:nodes": ["nodes", "computer", "mobile_ui"],
  "group:agents": [
    "agents_list",
    "get_goal",
    "create_goal",
    "update_goal",
    "progress_card",
    "ask_user",
    "skill_workshop",
  ],
  "group:media": ["view_image", "image_generate", "music_generate", "video_generate", "tts", "pdf"],
};
export const OPENCLAW_PROFILE_TOOLS = {
  minimal: ["session_status", "gateway"],
  messaging: [
    "secrets",
    "sessions",
    "sessions_list",
    "sessions_history",
    "sessions_search",
    "conversations_list",
    "conversations_send",
    "conversations_turn",
    "sessions_send",
    "sessions_spawn",
    "sessions_yield",
    "subagents",
    "session_status",
    "theme",
    "message",
    "gateway",
    "ask_user",
    "bundle-mcp",
  ],
  coding: [
    "ls",
    "read",
    "write",
    "edit",
    "apply_patch",
    "exec",
    "process",
    "code_execution",
    "secrets",
    "web_search",
    "web_fetch",
    "x_search",
    "memory_search",
    "memory_get",
    "sessions",
    "sessions_list",
    "sessions_history",
    "sessions_search",
    "conversations_list",
    "conversations_send",
    "conversations_turn",
    "sessions_send",
    "sessions_spawn",
    "github_identity_status",
    "github_publish",
    "agents_wait",
    "sessions_yield",
    "subagents",
    "session_status",
    "suggest_task",
    "dismiss_task",
    "screen",
    "theme",
    "dashboard",
    "terminal",
    "portal",
    "automations",
    "gateway",
    "plugins",
    "get_goal",
    "create_goal",
    "update_goal",
    "progress_card",
    "ask_user",
    "skill_workshop",
    "view_image",
    "image_generate",
    "music_generate",
    "video_generate",
    "bundle-mcp",
  ],
} as const;

/** Old or alternative spellings OpenClaw's policy layer rewrites before matching. */
export const OPENCLAW_TOOL_ALIASES: Readonly<Record<string, string>> = {
  bash: "exec",
  "apply-patch": "apply_patch",
  cron: "automations",
};

/**
 * Policy entries that are not core tools but are accepted in allow and deny lists: every tool owned by a
 * loaded plugin, and the tools of configured MCP servers.
 */
export const OPENCLAW_PLUGIN_ENTRIES = ["group:plugins", "bundle-mcp"] as const;

export type OpenClawProfile = keyof typeof OPENCLAW_PROFILE_TOOLS;

const knownNames = new Set<string>([
  ...Object.keys(OPENCLAW_TOOL_GROUPS),
  ...Object.values(OPENCLAW_TOOL_GROUPS).flat(),
  ...Object.keys(OPENCLAW_TOOL_ALIASES),
  ...OPENCLAW_PLUGIN_ENTRIES,
]);

export function isOpenClawToolName(name: string): boolean {
  return knownNames.has(name);
}

/** Concrete tool ids an allow or deny entry stands for (groups expanded, aliases resolved). */
export function expandToolEntry(entry: string): string[] {
  const group = OPENCLAW_TOOL_GROUPS[entry];
  if (group) return [...group];
  return [OPENCLAW_TOOL_ALIASES[entry] ?? entry];
}
