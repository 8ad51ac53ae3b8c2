import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { TemplateError, describeIssue } from "./errors";
import { type TemplateManifest, templateManifestSchema } from "./schema";

/** A validated template: its manifest plus where its prose lives. */
export interface Template extends TemplateManifest {
  /** Absolute paths of the worker's persona and routine, bundled into the worker image. */
  soulPath: string;
  heartbeatPath: string;
}

export const MANIFEST_FILE = "template.yaml";
const PROSE_FILES = ["SOUL.md", "HEARTBEAT.md"] as const;

/**
 * Reads and validates every `<dir>/<id>/template.yaml`. Problems of all templates are collected and
 * thrown together as one TemplateError, so an author fixing several templates sees every mistake at once.
 * Plain files in `dir` (a README) are ignored; every subdirectory must be a complete template.
 */
export function readTemplates(dir: string): Template[] {
  if (!fs.existsSync(dir)) {
    throw new TemplateError([`template directory \`${dir}\` does not exist`]);
  }
  const ids = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const problems: string[] = [];
  const templates: Template[] = [];
  for (const id of ids) {
    const result = readTemplate(dir, id);
    if (Array.isArray(result)) problems.push(...result);
    else templates.push(result);
  }
  if (problems.length > 0) throw new TemplateError(problems);
  if (templates.length === 0) {
    throw new TemplateError([`template directory \`${dir}\` holds no template`]);
  }
  return templates;
}

/** One template, or the list of its problems, each prefixed with the file it concerns. */
export function readTemplate(dir: string, id: string): Template | string[] {
  const shown = path.join(path.basename(dir), id);
  const file = path.join(shown, MANIFEST_FILE);
  const problems = PROSE_FILES.filter((f) => !hasText(path.join(dir, id, f))).map(
    (f) => `${path.join(shown, f)} is missing or empty; every template needs one`,
  );
  const parsed = parseManifest(path.join(dir, id, MANIFEST_FILE), file);
  if (typeof parsed === "string") return [...problems, parsed];
  const result = templateManifestSchema.safeParse(parsed);
  if (!result.success) {
    return [...problems, ...result.error.issues.map((i) => `${file}: ${describeIssue(i, parsed)}`)];
  }
  if (result.data.id !== id) {
    problems.push(
      `${file}: \`id\` is \`${result.data.id}\` but the directory is \`${id}\`; make them equal`,
    );
  }
  if (problems.length > 0) return problems;
  return {
    ...result.data,
    soulPath: path.resolve(dir, id, "SOUL.md"),
    heartbeatPath: path.resolve(dir, id, "HEARTBEAT.md"),
  };
}

function hasText(file: string): boolean {
  return fs.existsSync(file) && fs.readFileSync(file, "utf8").trim().length > 0;
}

/** The manifest as plain data, or a one-line problem naming the file. */
function parseManifest(absolute: string, shown: string): unknown {
  if (!fs.existsSync(absolute)) return `${shown} is missing; every template needs one`;
  const doc = YAML.parseDocument(fs.readFileSync(absolute, "utf8"), { uniqueKeys: true });
  if (doc.errors.length > 0) {
    return `${shown} is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`;
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return `${shown} must be a mapping of fields, not ${data === null ? "empty" : typeof data}`;
  }
  return data;
}
