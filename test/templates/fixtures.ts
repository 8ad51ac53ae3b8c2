import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { TemplateCatalog } from "../../lib/templates";
import { readTemplates } from "../../lib/templates/load";

export type Manifest = Record<string, unknown> & { tools?: Record<string, unknown> };

/** A valid manifest for a browsing template; each test changes one thing. */
export function manifest(id: string, change: (m: Manifest) => void = () => {}): Manifest {
  const m: Manifest = {
    id,
    name: `Fixture ${id}`,
    description: "A template written by a test.",
    plans: ["simple", "expert", "legend"],
    browser: true,
    egress_domains: [".example.com"],
    tools: { profile: "minimal", allow: ["browser", "heartbeat_respond"], deny: [] },
    exec_commands: [],
    heartbeat_minutes: 60,
  };
  change(m);
  return m;
}

/** Writes manifests (plus prose files) under a fresh `worker-templates` dir; removed by the caller. */
export function writeTemplates(manifests: Manifest[]): { dir: string; cleanup: () => void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "iw-templates-"));
  const dir = path.join(root, "worker-templates");
  for (const m of manifests) {
    const templateDir = path.join(dir, String(m.id));
    fs.mkdirSync(templateDir, { recursive: true });
    fs.writeFileSync(path.join(templateDir, "template.yaml"), YAML.stringify(m));
    fs.writeFileSync(path.join(templateDir, "SOUL.md"), `# ${String(m.name)}\n`);
    fs.writeFileSync(path.join(templateDir, "HEARTBEAT.md"), "# Heartbeat\n");
  }
  return { dir, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** Loads the given manifests as a catalog, removing the files again. */
export function catalogOf(manifests: Manifest[]): TemplateCatalog {
  const { dir, cleanup } = writeTemplates(manifests);
  try {
    return new TemplateCatalog(readTemplates(dir));
  } finally {
    cleanup();
  }
}

/** The TemplateError message loading `manifests` gives, or a failure when they load. */
export function loadError(manifests: Manifest[]): string {
  try {
    catalogOf(manifests);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("the manifests loaded without error");
}
