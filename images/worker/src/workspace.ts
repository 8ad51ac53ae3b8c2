/**
 * Writes the templates' persona (SOUL.md) and routine (HEARTBEAT.md) into the worker's workspace. They
 * are rewritten at every start: a template change reaches every worker at its next restart, and an agent
 * that edited its own persona is put back to the product's definition.
 */
import fs from "node:fs";
import path from "node:path";
import { WORKSPACE_PATH } from "../../../lib/render/openclaw";
import type { Template } from "../../../lib/templates";

export function seedWorkspace(templates: Template[], workspace = WORKSPACE_PATH): void {
  fs.mkdirSync(workspace, { recursive: true, mode: 0o700 });
  fs.writeFileSync(
    path.join(workspace, "SOUL.md"),
    joined(templates, (t) => t.soulPath),
  );
  fs.writeFileSync(
    path.join(workspace, "HEARTBEAT.md"),
    joined(templates, (t) => t.heartbeatPath),
  );
}

function joined(templates: Template[], file: (t: Template) => string): string {
  if (templates.length === 1) return fs.readFileSync(file(templates[0]), "utf8");
  return templates
    .map((t) => `# ${t.name}\n\n${fs.readFileSync(file(t), "utf8").trim()}\n`)
    .join("\n");
}
