import path from "node:path";
import type { PlanName } from "../plans";
import { type WorkerCapabilities, combineTemplates } from "./combine";
import { TemplateError } from "./errors";
import { type Template, readTemplates } from "./load";

/** The repository's templates, next to `lib/`; the worker image passes its own copy's path. */
export const DEFAULT_TEMPLATE_DIR = path.resolve(__dirname, "..", "..", "worker-templates");

/** Every template, read and validated once; lookups and combinations never touch the disk again. */
export class TemplateCatalog {
  private readonly byId: ReadonlyMap<string, Template>;

  constructor(templates: readonly Template[]) {
    this.byId = new Map(templates.map((t) => [t.id, t]));
  }

  ids(): string[] {
    return [...this.byId.keys()].sort();
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Template {
    const template = this.byId.get(id);
    if (!template) throw new TemplateError([this.unknown(id)]);
    return template;
  }

  private unknown(id: string): string {
    return `unknown template \`${id}\`; known templates are ${this.ids().join(", ")}`;
  }

  offeredTo(id: string, plan: PlanName): boolean {
    return this.byId.get(id)?.plans.includes(plan) ?? false;
  }

  /** Refuses templates unknown or not sold on `plan`, and more templates than the plan allows. */
  assertOffered(ids: readonly string[], plan: PlanName, maxTemplates?: number): void {
    const problems: string[] = [];
    for (const id of ids) {
      const template = this.byId.get(id);
      if (!template) problems.push(this.unknown(id));
      else if (!template.plans.includes(plan)) {
        problems.push(
          `template \`${id}\` is not offered on the \`${plan}\` plan; it is offered on ${template.plans.join(", ")}`,
        );
      }
    }
    if (maxTemplates !== undefined && ids.length > maxTemplates) {
      problems.push(
        `the \`${plan}\` plan allows at most ${maxTemplates} template(s) but ${ids.length} were chosen`,
      );
    }
    if (problems.length > 0) throw new TemplateError(problems);
  }

  /** The capabilities of one worker running all of `ids`; see combineTemplates for the rules. */
  combine(ids: readonly string[]): WorkerCapabilities {
    if (ids.length === 0) {
      throw new TemplateError(["a worker needs at least one template; none was given"]);
    }
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) throw new TemplateError([`template \`${twice}\` is listed twice`]);
    const unknown = ids.filter((id) => !this.byId.has(id));
    if (unknown.length > 0) {
      throw new TemplateError(unknown.map((id) => this.unknown(id)));
    }
    return combineTemplates(ids.map((id) => this.get(id)));
  }
}

/** Reads every template under `dir` once. Throws a TemplateError listing every problem found. */
export function loadTemplateCatalog(dir: string = DEFAULT_TEMPLATE_DIR): TemplateCatalog {
  return new TemplateCatalog(readTemplates(dir));
}
