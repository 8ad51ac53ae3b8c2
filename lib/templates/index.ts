export { DEFAULT_TEMPLATE_DIR, TemplateCatalog, loadTemplateCatalog } from "./catalog";
export { type WorkerCapabilities, combineTemplates } from "./combine";
export { TemplateError } from "./errors";
export type { Template } from "./load";
export { ALWAYS_DENIED_TOOLS, type TemplateManifest } from "./schema";
